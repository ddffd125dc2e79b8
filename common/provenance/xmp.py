"""The IPTC digital source type in an XMP packet, for readers that ignore C2PA (search engines, photo apps).

Written into the encoded bytes before signing (the manifest's hash then covers it): a PNG ``iTXt`` chunk
keyed ``XML:com.adobe.xmp`` right after ``IHDR``, or a JPEG ``APP1`` segment after ``SOI`` (and ``APP0``).
Read back by walking the same structures; only the one property is looked for, so no XML parser ever sees
an untrusted file's packet.
"""

from __future__ import annotations

import re
import struct
import zlib
from html import escape

IPTC_EXT_NAMESPACE = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"
_JPEG_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_SOURCE_TYPE = re.compile(r"DigitalSourceType(?:>|=[\"'])\s*([^<\"'\s]+)")
# An APP1 segment's length field counts itself: at most 65535 bytes in all.
_MAX_APP1_PAYLOAD = 65533


def xmp_packet(digital_source_type_uri: str) -> bytes:
    uri = escape(digital_source_type_uri, quote=True)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="{IPTC_EXT_NAMESPACE}">'
        f"<Iptc4xmpExt:DigitalSourceType>{uri}</Iptc4xmpExt:DigitalSourceType>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="r"?>'
    ).encode()


def with_xmp(data: bytes, mime: str, packet: bytes) -> bytes:
    """``data`` (a PNG or JPEG) with ``packet`` added as its XMP."""
    if mime == "image/png":
        return _png_with_xmp(data, packet)
    if mime == "image/jpeg":
        return _jpeg_with_xmp(data, packet)
    raise ValueError(f"XMP is written into PNG and JPEG only, not {mime}")


def _png_with_xmp(data: bytes, packet: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    ihdr_end = 8 + 12 + struct.unpack(">I", data[8:12])[0]
    # iTXt: keyword, NUL, compression flag 0, method 0, empty language tag + NUL, empty translation + NUL, text.
    body = _PNG_XMP_KEYWORD + b"\x00\x00\x00\x00\x00" + packet
    chunk = struct.pack(">I", len(body)) + b"iTXt" + body + struct.pack(">I", zlib.crc32(body, zlib.crc32(b"iTXt")))
    return data[:ihdr_end] + chunk + data[ihdr_end:]


def _jpeg_with_xmp(data: bytes, packet: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    payload = _JPEG_XMP_HEADER + packet
    if len(payload) > _MAX_APP1_PAYLOAD:
        raise ValueError("XMP packet too large for one APP1 segment")
    at = 2
    if data[2:4] == b"\xff\xe0":  # keep JFIF's APP0 first, where decoders look for it
        at = 4 + struct.unpack(">H", data[4:6])[0]
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return data[:at] + segment + data[at:]


def digital_source_type(data: bytes) -> str | None:
    """The XMP DigitalSourceType URI of a PNG or JPEG, or None (no XMP, no such property, other formats)."""
    for packet in _xmp_packets(data):
        match = _SOURCE_TYPE.search(packet.decode("utf-8", "replace"))
        if match:
            return match.group(1)
    return None


def _xmp_packets(data: bytes) -> list[bytes]:
    if data.startswith(PNG_SIGNATURE):
        return _png_packets(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_packets(data)
    return []


def _png_packets(data: bytes) -> list[bytes]:
    packets, at = [], 8
    while at + 8 <= len(data):
        length = struct.unpack(">I", data[at : at + 4])[0]
        kind = data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        if kind == b"iTXt" and body.startswith(_PNG_XMP_KEYWORD + b"\x00"):
            rest = body[len(_PNG_XMP_KEYWORD) + 1 :]
            compressed = rest[:1] == b"\x01"
            # Skip the flag, the method, the language tag and the translated keyword (both NUL-terminated).
            parts = rest[2:].split(b"\x00", 2)
            if len(parts) == 3:
                text = parts[2]
                if compressed:
                    decompressor = zlib.decompressobj()
                    text = decompressor.decompress(text, 1 << 20)  # a packet is a few KB: never inflate a bomb
                packets.append(text)
        if kind in (b"IDAT", b"IEND"):
            break  # XMP is written before the image data; nothing after it is looked at
        at += 12 + length
    return packets


def _jpeg_packets(data: bytes) -> list[bytes]:
    packets, at = [], 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no metadata segments follow
            break
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        segment = data[at + 4 : at + 2 + length]
        if marker == 0xE1 and segment.startswith(_JPEG_XMP_HEADER):
            packets.append(segment[len(_JPEG_XMP_HEADER) :])
        at += 2 + length
    return packets
