#!/usr/bin/env python3
"""ap-report.py FILE.collapsed [cats|tree [MIN%]|callers FRAME] - reads async-profiler's collapsed stacks.
cats: CPU by category (kernel, JIT, GC, ledger, Jackson, Vert.x Web, else the deepest Switchboard frame);
tree: inclusive tree of Switchboard frames down to MIN% (default 0.7) of all samples;
callers FRAME: which Switchboard frames lead to FRAME."""
import collections, sys

def stacks(path):
    for line in open(path):
        stack, cnt = line.rstrip().rsplit(' ', 1)
        yield stack.split(';'), int(cnt)

RULES = [
    ('jit', lambda fr: any('CompileBroker' in f or 'C2Compiler' in f or 'Compile::' in f for f in fr)),
    ('gc', lambda fr: any(t in f for f in fr for t in ('G1', 'GCTask', 'PSPromotion', 'ParallelGC', 'WorkerThread::run'))),
    ('ledger writer (SQLite)', lambda fr: any('Ledger.insert' in f or 'sqlite' in f for f in fr)),
    ('jackson', lambda fr: any('jackson' in f for f in fr[-12:])),
    ('kernel', lambda fr: fr[-1].endswith('_[k]')),
    ('vert.x web', lambda fr: any('io/vertx/ext/web' in f for f in fr[-3:])),
]

def cats(path, n=30):
    c, total = collections.Counter(), 0
    for fr, cnt in stacks(path):
        total += cnt
        for name, rule in RULES:
            if rule(fr):
                c[name] += cnt
                break
        else:
            sb = [f for f in fr if 'dev/switchboard' in f]
            c['other: ' + (sb[-1].split('/')[-1] if sb else 'netty/vert.x core')] += cnt
    for k, v in c.most_common(n):
        print(f"{100 * v / total:5.1f}% {k}")

def short(f):
    return f.replace('dev/switchboard/', '').split('$$Lambda')[0]

def tree(path, minpct=0.7):
    root, total = {}, 0
    for fr, cnt in stacks(path):
        total += cnt
        path_ = []
        for f in (short(f) for f in fr if 'dev/switchboard' in f or 'ObjectMapper.readValue' in f
                  or 'RouterImpl.handle' in f):
            if not path_ or path_[-1] != f:
                path_.append(f)
        node = root
        for f in path_:
            if f.endswith('Exchange.next'):
                continue
            n = node.setdefault(f, [0, {}])
            n[0] += cnt
            node = n[1]

    def show(node, depth):
        for k, (v, ch) in sorted(node.items(), key=lambda x: -x[1][0]):
            if 100 * v / total >= minpct:
                print(f"{'  ' * depth}{100 * v / total:5.1f}% {k}")
                show(ch, depth + 1)
    show(root, 0)

def callers(path, target):
    c, total, hit = collections.Counter(), 0, 0
    for fr, cnt in stacks(path):
        total += cnt
        idx = [i for i, f in enumerate(fr) if target in f]
        if idx:
            hit += cnt
            sb = [short(f) for f in fr[:idx[0]] if 'switchboard' in f]
            c[' <- '.join(reversed(sb[-2:])) or '?'] += cnt
    print(f"{target}: {100 * hit / total:.1f}% of samples")
    for k, v in c.most_common(15):
        print(f"  {100 * v / total:5.1f}% {k}")

if __name__ == '__main__':
    f, mode = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else 'cats')
    if mode == 'tree':
        tree(f, float(sys.argv[3]) if len(sys.argv) > 3 else 0.7)
    elif mode == 'callers':
        callers(f, sys.argv[3])
    else:
        cats(f)
