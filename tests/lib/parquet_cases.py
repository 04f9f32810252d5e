#!/usr/bin/env python3
"""parquet_cases.py: the broken Parquet files of the bad-input corpus
(tests/corpus/manifest/parquet-*.parquet), written from the specification
by a minimal writer of its own: a flat schema (URL optional BYTE_ARRAY,
SAMPLE_ID required INT64), one row group, PLAIN data pages v1.  Each case
breaks one thing.  Usage: parquet_cases.py DIR (rewrites the files)."""
import struct
import sys
import zlib

# Thrift compact protocol types.
I32, I64, BINARY, LIST, STRUCT = 5, 6, 8, 9, 12


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(n):
    return varint((n << 1) ^ (n >> 63))


def struct_(fields):
    """fields: (id, type, value); value an int, bytes, a list of fields
    (STRUCT) or (elem_type, [values]) for LIST."""
    out, last = bytearray(), 0
    for fid, ftype, value in fields:
        delta = fid - last
        out.append((delta << 4 | ftype) if 0 < delta <= 15 else ftype)
        if not 0 < delta <= 15:
            out += zigzag(fid)
        last = fid
        out += value_(ftype, value)
    out.append(0)
    return bytes(out)


def value_(ftype, value):
    if ftype in (I32, I64):
        return zigzag(value)
    if ftype == BINARY:
        return varint(len(value)) + value
    if ftype == STRUCT:
        return struct_(value)
    elem, items = value
    head = bytes([len(items) << 4 | elem]) if len(items) < 15 else bytes([0xF0 | elem]) + varint(len(items))
    return head + b''.join(value_(elem, v) for v in items)


def hybrid_ones(n):
    """n definition levels of 1 (bit width 1) as one RLE run."""
    return varint(n << 1) + b'\x01'


def page(values, encoding=0, levels=None, codec=0):
    body = b''
    if levels is not None:
        body += struct.pack('<I', len(levels)) + levels
    body += values
    raw = body
    if codec == 2:
        c = zlib.compressobj(wbits=31)
        body = c.compress(body) + c.flush()
    header = struct_([(1, I32, 0), (2, I32, len(raw)), (3, I32, len(body)),
                      (5, STRUCT, [(1, I32, ROWS), (2, I32, encoding), (3, I32, 3), (4, I32, 3)])])
    return header + body


ROWS = 3
URLS = [b'https://farm1.staticflickr.com/1/101_a.jpg', b'https://example.org/2.jpg', b'https://example.org/3.jpg']


def build(codec=0, url_encoding=0, offset_shift=0, rows=ROWS, nested=False, garbage=False):
    out = bytearray(b'PAR1')
    chunks = []
    plain_urls = b''.join(struct.pack('<I', len(u)) + u for u in URLS)
    ids = b''.join(struct.pack('<q', 1000 + i) for i in range(ROWS))
    for name, ptype, data, levels in ((b'URL', 6, plain_urls, hybrid_ones(ROWS)), (b'SAMPLE_ID', 2, ids, None)):
        c = codec if name == b'URL' else 0
        body = page(data, url_encoding if name == b'URL' else 0, levels, 2 if c == 2 else 0)
        if garbage and name == b'URL':
            body = body[:-4] + b'\xde\xad\xbe\xef'
        start = len(out)
        out += body
        path = [name]
        chunks.append([(2, I64, start), (3, STRUCT, [
            (1, I32, ptype), (2, LIST, (I32, [0, 3])), (3, LIST, (BINARY, path)), (4, I32, c),
            (5, I64, ROWS), (6, I64, len(body)), (7, I64, len(body)), (9, I64, start + offset_shift)])])
    if nested:  # URL a repeated field: a list of strings in each row
        schema = [[(4, BINARY, b'schema'), (5, I32, 2)],
                  [(1, I32, 6), (3, I32, 2), (4, BINARY, b'URL')],
                  [(1, I32, 2), (3, I32, 0), (4, BINARY, b'SAMPLE_ID')]]
    else:
        schema = [[(4, BINARY, b'schema'), (5, I32, 2)],
                  [(1, I32, 6), (3, I32, 1), (4, BINARY, b'URL')],
                  [(1, I32, 2), (3, I32, 0), (4, BINARY, b'SAMPLE_ID')]]
    footer = struct_([(1, I32, 1), (2, LIST, (STRUCT, schema)), (3, I64, rows),
                      (4, LIST, (STRUCT, [[(1, LIST, (STRUCT, chunks)), (2, I64, 0), (3, I64, rows)]]))])
    return bytes(out) + footer + struct.pack('<I', len(footer)) + b'PAR1'


def main(d):
    good = build()
    cases = {
        'good': good,  # for comparison: three entries
        'gzip': build(codec=2),
        'wrong-magic': b'PAR2' + good[4:],
        'truncated': good[:len(good) - 20],
        'footer-length': good[:-8] + struct.pack('<I', 1 << 30) + b'PAR1',
        'offset-out-of-range': build(offset_shift=1 << 40),
        'unknown-codec': build(codec=42),
        'brotli': build(codec=4),
        'unknown-encoding': build(url_encoding=9),
        'nested': build(nested=True),
        'over-cap': build(rows=40_000_000),
        'corrupt-page': build(codec=2, garbage=True),
        'footer-garbage': good[:-8 - 30] + b'\xff' * 30 + good[-8:],
    }
    for name, data in cases.items():
        with open(f'{d}/parquet-{name}.parquet', 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main(sys.argv[1])
