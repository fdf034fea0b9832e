"""K-nucleotide: k-mer frequencies and counts in the sequence of FASTA record THREE.

The pure-Python twin of the Benchmarks Game ``knucleotide`` program (the ``python``
rung; compiled untyped it is the ``compiled`` rung). The official rule: for each
length k a hash table from a library counts every k-mer of the sequence (here a
``Counter``, i.e. a dict), then

* the 1-mers and 2-mers are printed with their percentage of the ``len - k + 1``
  windows (``%.3f``), by count descending then by key;
* the counts of GGT, GGTA, GGTATT, GGTATTTTAATT and GGTATTTTAATTTATAGT are looked
  up in the table of their own length.

The sequence is record THREE's lines joined and upper-cased.
"""

from __future__ import annotations

from collections import Counter

FRAGMENTS = ("GGT", "GGTA", "GGTATT", "GGTATTTTAATT", "GGTATTTTAATTTATAGT")
RECORD = b">THREE"


def find_record(data, name=RECORD):
    """``(start, end)`` of the sequence lines of the first record whose header starts with ``name``.

    ``data`` is ``bytes`` or anything with their ``find``, indexing and length
    (``speedlab.dask.find_three`` passes a read-only ``mmap``).

    Raises
    ------
    ValueError
        No header line starts with ``name``.
    """
    # NOTE: headers are found by their '>' (a one-byte search runs at memchr
    # speed, and '>' is rare) and then checked to start a line: the positions
    # searching b"\n" + name and b"\n>" give, ~10x faster on a large input
    # (a two-byte pattern starting with a line break is tried at every line).
    header = data.find(b">")
    while header >= 0 and not ((header == 0 or data[header - 1] == 10)
                               and data[header:header + len(name)] == name):
        header = data.find(b">", header + 1)
    if header < 0:
        raise ValueError(f"no {name.decode()!r} record in the FASTA input")
    start = data.find(b"\n", header)
    if start < 0:
        return len(data), len(data)
    end = data.find(b">", start + 1)
    while end >= 0 and data[end - 1] != 10:
        end = data.find(b">", end + 1)
    return start + 1, len(data) if end < 0 else end


def sequence(data):
    """Record THREE's sequence, newlines removed, upper-cased, as ``str``."""
    start, end = find_record(data)
    return data[start:end].replace(b"\n", b"").upper().decode("ascii")


def count(seq, k):
    """How many times each k-mer occurs in ``seq`` (overlapping windows).

    The 1-mers are the characters themselves, which ``Counter`` counts straight
    from the string, without a slice per window.
    """
    if k == 1:
        return Counter(seq)
    return Counter(seq[i:i + k] for i in range(len(seq) - k + 1))


def frequencies(counts, windows):
    """``(k-mer, percent)`` pairs by count descending, then k-mer; ``windows`` is len - k + 1."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple((kmer, 100.0 * n / windows) for kmer, n in ordered)


def knucleotide(data):
    """The program's result for the FASTA ``data``: ``(freq1, freq2, fragment counts)``.

    ``freq1``/``freq2`` are ``(k-mer, percent)`` pairs in output order; the counts
    are ``(count, fragment)`` pairs in the order of ``FRAGMENTS``.
    """
    seq = sequence(data)
    freq1, freq2 = (frequencies(count(seq, k), len(seq) - k + 1) for k in (1, 2))
    counts = tuple((count(seq, len(fragment))[fragment], fragment) for fragment in FRAGMENTS)
    return freq1, freq2, counts


def window_counts(bases, windows):
    """k-mer counts of the windows starting at ``0..windows - 1`` of ``bases`` (one chunk of a split).

    ``bases`` is a chunk of the sequence (bytes, either case, no newlines).
    Returns ``({1-mer: count}, {2-mer: count}, fragment counts)``.
    """
    seq = bytes(bases).upper().decode("ascii")

    def counts(k):
        return Counter(seq[i:i + k] for i in range(min(windows, len(seq) - k + 1)))

    return (dict(counts(1)), dict(counts(2)),
            tuple(counts(len(fragment))[fragment] for fragment in FRAGMENTS))
