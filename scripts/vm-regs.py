#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Where a hung guest's vCPUs are.  A guest that prints nothing (no RCU
# stall, no lockup report) is stuck where its own detectors cannot speak;
# this is what is left to see.
#
#   vm-regs.py sample MONITOR_SOCKET [SAMPLES]
#       asks QEMU's monitor (a unix socket) for every vCPU's registers a
#       few times, one second apart; prints the raw instruction pointers
#   vm-regs.py name SYMBOLS RAW [GUEST_LOG]
#       names the pointers of RAW (what "sample" printed) from SYMBOLS (a
#       System.map or the guest's /proc/kallsyms: the guest boots with
#       nokaslr, so the addresses are the same in every boot), and the
#       module's from the base the guest logged (ITG-MODTEXT)
import bisect
import re
import socket
import sys
import time


def ask(sock_path, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(sock_path)
    s.sendall((cmd + '\n').encode())
    out = b''
    end = time.time() + 3
    while time.time() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        out += chunk
        if out.count(b'(qemu)') >= 2:
            break
    s.close()
    return out.decode(errors='replace')


def sample(sock_path, samples):
    for n in range(samples):
        try:
            text = ask(sock_path, 'info registers -a')
        except OSError as e:
            print('vm-regs: no monitor: %s' % e)
            return 1
        cpu = -1
        line = []
        for m in re.finditer(r'^CPU#(\d+)|RIP=([0-9a-f]+)|(CPL=\d|HLT=\d)',
                             text, re.M):
            if m.group(1) is not None:
                cpu = int(m.group(1))
            elif m.group(2) is not None:
                line.append('cpu%d %s' % (cpu, m.group(2)))
            elif line:
                line[-1] += ' ' + m.group(3)
        print('vm-regs: sample %d: %s' % (n + 1, '; '.join(line) or 'none'))
        sys.stdout.flush()
        time.sleep(1)
    return 0


def load_symbols(path):
    syms = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] in 'tTwW':
                syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def name(sym_path, raw_path, log_path=None):
    addrs, names = load_symbols(sym_path)
    mod = None
    if log_path:
        with open(log_path, errors='replace') as f:
            for line in f:
                m = re.match(r'ITG-MODTEXT (0x[0-9a-f]+)', line)
                if m:
                    mod = int(m.group(1), 16)

    def one(m):
        ip = int(m.group(1), 16)
        if mod is not None and 0 <= ip - mod < 0x100000:
            return '%s itimer_group:.text+0x%x' % (m.group(1), ip - mod)
        i = bisect.bisect_right(addrs, ip) - 1
        if i < 0 or ip - addrs[i] > 0x10000:
            return m.group(1) + ' ?'
        return '%s %s+0x%x' % (m.group(1), names[i], ip - addrs[i])

    with open(raw_path) as f:
        for line in f:
            print(re.sub(r'\b([0-9a-f]{16})\b', one, line.rstrip('\n')))
    return 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == 'sample':
        return sample(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5)
    if len(sys.argv) >= 4 and sys.argv[1] == 'name':
        return name(sys.argv[2], sys.argv[3],
                    sys.argv[4] if len(sys.argv) > 4 else None)
    print(__doc__ if __doc__ else 'usage: see the script', file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
