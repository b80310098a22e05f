#!/usr/bin/env python3
"""Writes the small .npy/.npz/deflate fixtures that LossDataTests read.

Run from anywhere: python3 make_npy_fixtures.py  (needs numpy). The outputs are committed,
so the Swift tests never need Python. Every value here is mirrored in NumpyFixtureTests.swift.
"""
import os
import struct
import zipfile
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def out(name):
    return os.path.join(HERE, name)


def save(name, array):
    np.save(out(name), array, allow_pickle=False)


def main():
    save("f32_2d.npy", np.array([[1.5, -2.25, 0, 3], [4, 5.5, -6, 0.125], [8, 9, 10, 1e30]], dtype=np.float32))
    save("f64_2d.npy", np.array([[0.1, -0.2, 0.3], [1e-300, 2.5, -1e300]], dtype=np.float64))
    save("i32_2d.npy", np.array([[1, -2, 3], [2147483647, -2147483648, 0]], dtype=np.int32))
    save("i64_1d.npy", np.array([0, -1, 2**62, -(2**63)], dtype=np.int64))
    save("u8_1d.npy", np.array([0, 1, 127, 255], dtype=np.uint8))
    save("bool_1d.npy", np.array([True, False, True], dtype=np.bool_))
    save("i8_1d.npy", np.array([-128, -1, 0, 127], dtype=np.int8))
    save("i16_1d.npy", np.array([-32768, -1, 0, 32767], dtype=np.int16))
    save("u16_1d.npy", np.array([0, 1, 65535], dtype=np.uint16))
    save("u32_1d.npy", np.array([0, 1, 4294967295], dtype=np.uint32))
    save("f16_1d.npy", np.array([0, 1, -2.5, 65504, 2.0**-24, -np.inf], dtype=np.float16))
    save("f32_1d.npy", np.arange(5, dtype=np.float32))
    save("scalar_0d.npy", np.array(3.5))
    save("empty_0x5.npy", np.zeros((0, 5), dtype=np.float32))
    save("nonfinite.npy", np.array([[1, 2, 3], [4, np.nan, np.inf]], dtype=np.float32))

    fortran = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert fortran.flags.f_contiguous and not fortran.flags.c_contiguous
    save("fortran_2d.npy", fortran)
    save("fortran_3d.npy", np.asfortranarray(np.arange(24, dtype=np.int32).reshape(2, 3, 4)))

    save("be_f4.npy", np.array([[1.5, -2], [3, 4.25]], dtype=">f4"))
    save("be_f8.npy", np.array([0.1, -1e200, 7], dtype=">f8"))
    save("be_i4.npy", np.array([1, -2, 70000], dtype=">i4"))

    for version in [(2, 0), (3, 0)]:
        with open(out("v%d_header.npy" % version[0]), "wb") as f:
            np.lib.format.write_array(f, np.array([[1, 2], [3, 4]], dtype=np.float64), version=version)

    a = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32) / 4
    b = np.arange(4, dtype=np.int64) * 10
    np.savez(out("two_stored.npz"), a=a, b=b)
    emb = ((np.arange(600) * 37) % 101 - 50).astype(np.float32).reshape(20, 30)
    labels = np.arange(20, dtype=np.int64) % 3
    np.savez_compressed(out("two_compressed.npz"), emb=emb, labels=labels)
    with zipfile.ZipFile(out("two_compressed.npz")) as z:
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in z.infolist())

    write_zip64_npz(out("zip64.npz"), {"a": a, "b": b})
    loaded = np.load(out("zip64.npz"))
    assert np.array_equal(loaded["a"], a) and np.array_equal(loaded["b"], b)

    plain = deflate_plain()
    with open(out("inflate_plain.bin"), "wb") as f:
        f.write(plain)
    streams = {
        "deflate_stored.bin": (0, zlib.Z_DEFAULT_STRATEGY, 0),
        "deflate_fixed.bin": (6, zlib.Z_FIXED, 1),
        "deflate_dynamic.bin": (9, zlib.Z_DEFAULT_STRATEGY, 2),
    }
    for name, (level, strategy, block_type) in streams.items():
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
        data = compressor.compress(plain) + compressor.flush()
        assert (data[0] >> 1) & 3 == block_type, name
        assert zlib.decompress(data, -15) == plain
        with open(out(name), "wb") as f:
            f.write(data)


def deflate_plain():
    """6000 deterministic bytes: repetitive text (long matches) then LCG noise (literals)."""
    text = b"".join(b"row %d: the quick brown fox jumps over the lazy dog\n" % (i % 17) for i in range(60))
    state = 12345
    noise = bytearray()
    while len(text) + len(noise) < 6000:
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        noise.append((state >> 16) & 0xFF)
    return text + bytes(noise)


def write_zip64_npz(path, arrays):
    """A stored .npz whose every size and offset lives in zip64 records, as written for
    archives over 4 GiB, built by hand so the fixture stays small."""
    import io

    body = bytearray()
    central = bytearray()
    for key, value in arrays.items():
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, value)
        data = buffer.getvalue()
        name = (key + ".npy").encode()
        crc = zlib.crc32(data)
        offset = len(body)
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc,
                            0xFFFFFFFF, 0xFFFFFFFF, len(name), len(local_extra))
        body += name + local_extra + data
        central_extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x21, crc,
                               0xFFFFFFFF, 0xFFFFFFFF, len(name), len(central_extra), 0, 0, 0, 0,
                               0xFFFFFFFF)
        central += name + central_extra
    directory_offset = len(body)
    zip64_end_offset = directory_offset + len(central)
    count = len(arrays)
    zip64_end = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count,
                            len(central), directory_offset)
    locator = struct.pack("<IIQI", 0x07064B50, 0, zip64_end_offset, 1)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(path, "wb") as f:
        f.write(bytes(body) + bytes(central) + zip64_end + locator + end)


if __name__ == "__main__":
    main()
