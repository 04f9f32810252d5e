"""pngstat.py PNG: prints "WIDTH HEIGHT INK" for an 8-bit RGB(A) PNG, INK
being the share of pixels that are not near-white, so a test can tell a
rendered page from a blank one.  Standard library only."""
import struct
import sys
import zlib


def rows(data, width, bpp, height):
    """Undoes the per-row filters of decompressed PNG data."""
    stride = width * bpp
    prev = bytearray(stride)
    at = 0
    for _ in range(height):
        kind, line = data[at], bytearray(data[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        yield line
        prev = line


def main(path):
    blob = open(path, "rb").read()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, idat, head = 8, b"", None
    while at < len(blob):
        n, kind = struct.unpack(">I4s", blob[at:at + 8])
        body = blob[at + 8:at + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + n
    width, height, depth, color = head[:4]
    assert depth == 8 and color in (2, 6), "only 8-bit RGB or RGBA"
    bpp = 3 if color == 2 else 4
    ink = 0
    for line in rows(zlib.decompress(idat), width, bpp, height):
        for x in range(0, len(line), bpp):
            if min(line[x], line[x + 1], line[x + 2]) < 200:
                ink += 1
    print(width, height, round(ink / (width * height), 4))


if __name__ == "__main__":
    main(sys.argv[1])
