#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A man page from a page of Documentation/ (Debian packages, make deb).

    rst2man.py RST NAME SECTION SUMMARY OUT

The page's own title block (and a NAME section, which itgstat.rst has)
is replaced by the man page's (NAME - SUMMARY), Sphinx's :doc: and :ref:
roles become literals, and docutils' manpage writer does the rest.
"""
import re
import sys

import docutils.core
from docutils.writers import manpage

src, name, section, summary, out = sys.argv[1:6]
text = open(src).read()
# Drop the comment line(s) and the title block: the body starts at the
# first section after it.
lines = [l for l in text.splitlines() if not l.startswith(".. SPDX")]
body = "\n".join(lines)
m = re.match(r"\s*(=+)\n[^\n]*\n\1\n", body)
if m:
    body = body[m.end():]
# A NAME section of the page's own: the man page makes one.
body = re.sub(r"\nNAME\n=+\n\n[^\n]*(\n[^\n]+)*\n", "\n", "\n" + body)
body = re.sub(r":(?:doc|ref):`([^`<]*?)(?:\s*<[^>]*>)?`", r"``\1``", body)
bar = "=" * len(name)
sub = "-" * len(summary)
head = (f"{bar}\n{name}\n{bar}\n\n{sub}\n{summary}\n{sub}\n\n"
        f":Manual section: {section}\n:Manual group: itimer groups\n\n")
page = docutils.core.publish_string(head + body, writer=manpage.Writer(),
                                    settings_overrides={"report_level": 2,
                                                        "halt_level": 2})
open(out, "wb").write(page)
