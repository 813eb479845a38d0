#!/usr/bin/env python3
"""Where a profiled `cert serve` (or `cert sign`) spends its CPU, by what the work is for.

Reads `perf script -F comm,tid,ip,sym --no-inline` output of a call-graph profile and puts
each sample in the first category whose pattern matches one of its frames (the order below
matters: the signature before the certificate it builds, the store's syscalls before the
store). With a CPU figure per enrolment (from benches/cost.rs), prints each category's share
of it too.

    cargo bench --bench cost -- --ca-keys rsa --server-keys ca --modes keepalive \\
        --latency-clients 8 --sign-count 0 \\
        --profile 'perf record -e cpu-clock -F 1999 --call-graph dwarf,32768 -p {pid} -o /tmp/{ca}.perf'
    perf script -i /tmp/rsa_ca_1.perf -F comm,tid,ip,sym --no-inline > /tmp/rsa.txt
    benches/profile.py /tmp/rsa.txt 3.1      # 3.1 ms: the server's CPU per enrolment

`-v` lists the hottest leaf functions of each category.
"""

import collections
import re
import sys

RULES = [
    ("CA signature", [r"SigningKey>::sign\b", r"rcgen::key_pair::KeyPair.*sign"]),
    ("TLS handshake signature", [r"rustls::crypto::aws_lc_rs::sign", r"RsaSigner", r"EcdsaSigner"]),
    ("TLS key exchange (X25519)", [r"x25519", r"agreement", r"kx::"]),
    ("CSR parse + signature check", [r"cert::csr::Csr::from_der", r"cert::csr::Csr::from_pem"]),
    ("store: fsync, fdatasync, syncfs", [r"__x64_sys_fsync", r"__x64_sys_fdatasync",
                                         r"__x64_sys_syncfs"]),
    ("store: creating and writing temp files", [r"^cert::atomic::stage$"]),
    ("store: rename, unlink, other", [r"cert::atomic::", r"record_signed", r"reserve_serials",
                                      r"append_audit", r"cert::store::files::transaction"]),
    ("certificate parse", [r"cert::certificate::Certificate::from_der",
                           r"cert::certificate::Certificate::from_pem"]),
    ("certificate build (rcgen, but the signature)", [r"cert::authority::Authority::sign_leaf",
                                                      r"cert::authority::Authority::issue"]),
    ("store reads", [r"cert::store::files", r"check_not_duplicate", r"certificate_state"]),
    ("autosign", [r"cert::autosign::"]),
    ("audit lines", [r"cert::audit::"]),
    ("logging", [r"tracing_subscriber", r"tracing_core", r"cert::serve::log"]),
    ("metrics", [r"cert::serve::metrics"]),
    ("TLS records and handshakes (rustls)", [r"rustls::", r"tokio_rustls", r"aes_gcm", r"gcm_"]),
    ("HTTP (hyper)", [r"hyper::", r"hyper_util::"]),
    ("threads: futex, scheduling, epoll", [r"futex", r"epoll", r"__schedule",
                                           r"tokio::runtime::park", r"mio::poll"]),
    ("malloc, free", [r"^malloc$", r"^_int_malloc", r"^_int_free", r"^cfree", r"^free$",
                      r"malloc_consolidate", r"unlink_chunk", r"^realloc", r"_int_realloc"]),
]
COMPILED = [(name, [re.compile(p) for p in patterns]) for name, patterns in RULES]


def samples(lines):
    """Each sample's frames, innermost first."""
    frames = None
    for line in lines:
        if not line.strip():
            if frames is not None:
                yield frames
            frames = None
        elif line.startswith(("\t", " ")):
            if frames is not None:
                parts = line.strip().split(None, 1)
                frames.append(parts[1] if len(parts) > 1 else "?")
        else:
            if frames is not None:
                yield frames
            frames = []
    if frames is not None:
        yield frames


def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv
    per = float(args[1]) if len(args) > 1 else None
    counts = collections.Counter()
    leaves = collections.defaultdict(collections.Counter)
    total = 0
    with open(args[0], errors="replace") as text:
        for frames in samples(text):
            total += 1
            category = "other (kernel and runtime without a frame above)"
            for name, patterns in COMPILED:
                if any(p.search(f) for f in frames for p in patterns):
                    category = name
                    break
            counts[category] += 1
            leaves[category][frames[0] if frames else "?"] += 1
    print(f"{total} samples")
    for name, n in counts.most_common():
        cost = f" | {per * n / total:.3f}" if per else ""
        print(f"| {name} | {n * 100.0 / total:.1f}%{cost} |")
        if verbose:
            for leaf, m in leaves[name].most_common(6):
                print(f"|   {leaf[:100]} | {m * 100.0 / total:.1f}% |")


if __name__ == "__main__":
    main()
