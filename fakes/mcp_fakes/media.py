"""Tiny valid media files made on the spot (a 1x1 PNG, a short silent WAV), base64-encoded."""

import base64
import struct
import zlib


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png_base64():
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte, then one red pixel
    png = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b"")
    return base64.b64encode(png).decode()


def silent_wav_base64(samples=800, rate=8000):
    data = b"\x80" * samples  # 8-bit unsigned mono silence
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate, 1, 8)
    wav = (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
           + b"data" + struct.pack("<I", len(data)) + data)
    return base64.b64encode(wav).decode()
