"""The data on a resident ID card: parsing the 30 01 reply, and building it for fixtures.

Text block (256 bytes UTF-16LE, space padded; HARDWARE.md section 1)::

    offset  0 name 30 | 30 gender 2 | 32 nation 4 | 36 birth date 16 (YYYYMMDD)
           52 address 70 | 122 ID number 36 | 158 issuing authority 30
          188 valid from 16 | 204 valid to 16 (date or 长期) | 220 reserved 36
          248 card type flag (one UTF-16 character inside the reserved area)

Only the resident layout is parsed in this pass; any other type flag raises
`UnsupportedCardType` rather than mis-parsing a foreigner's card as a resident's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from drivers.idcard.errors import CardDataError, UnsupportedCardType
from pii import InvalidIdNumber, Sensitive, id_number_facts, mask_name, validate_id_number

TEXT_SIZE = 256
PHOTO_SIZE = 1024
LONG_TERM = "长期"

# (name, offset, width in bytes) of the resident layout.
_FIELDS: tuple[tuple[str, int, int], ...] = (
    ("name", 0, 30),
    ("gender", 30, 2),
    ("nation", 32, 4),
    ("birth_date", 36, 16),
    ("address", 52, 70),
    ("id_number", 122, 36),
    ("authority", 158, 30),
    ("valid_from", 188, 16),
    ("valid_to", 204, 16),
)
_FLAG_OFFSET = 248
_PAD = " \x00\u3000"

# GB/T 2261.1
GENDERS: dict[str, str] = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

# GB 3304
NATIONS: dict[str, str] = {
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝",
    "08": "壮", "09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白",
    "15": "土家", "16": "哈尼", "17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳",
    "21": "佤", "22": "畲", "23": "高山", "24": "拉祜", "25": "水", "26": "东乡", "27": "纳西",
    "28": "景颇", "29": "柯尔克孜", "30": "土", "31": "达斡尔", "32": "仫佬", "33": "羌",
    "34": "布朗", "35": "撒拉", "36": "毛南", "37": "仡佬", "38": "锡伯", "39": "阿昌",
    "40": "普米", "41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克",
    "46": "德昂", "47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔", "51": "独龙",
    "52": "鄂伦春", "53": "赫哲", "54": "门巴", "55": "珞巴", "56": "基诺", "97": "其他",
    "98": "外国血统中国籍人士",
}  # fmt: skip


def mask_address(address: str) -> str:
    """Keep the first 3 characters (province level): 北京市朝阳区... -> 北京市***."""
    return address[:3] + "***" if address else ""


@dataclass(frozen=True, repr=False)
class IdCard:
    """One read of a resident ID card; personal text is held as `Sensitive`."""

    name: Sensitive
    gender: str
    nation: str
    birth_date: dt.date
    address: Sensitive
    id_number: Sensitive
    authority: str
    valid_from: dt.date
    valid_to: dt.date | None  # None: long-term (长期)
    photo: bytes  # raw wlt; decoding needs the vendor's licensed library
    card_type: str = "resident"

    def wipe(self) -> None:
        """Overwrite every Sensitive field and drop the photo (end of a session)."""
        for value in (self.name, self.address, self.id_number):
            value.wipe()
        # bytes cannot be overwritten in place; dropping our reference is the most we can do.
        object.__setattr__(self, "photo", b"")

    @property
    def wiped(self) -> bool:
        """True once wipe() ran."""
        return self.id_number.wiped

    def __repr__(self) -> str:
        # Birth date and address stay out: with the masked number they narrow down a person.
        valid_to = LONG_TERM if self.valid_to is None else self.valid_to.isoformat()
        return (
            f"IdCard(name={self.name!r}, id_number={self.id_number!r}, gender={self.gender!r}, "
            f"nation={self.nation!r}, card_type={self.card_type!r}, valid_to={valid_to!r}, "
            f"photo=<{len(self.photo)} bytes>)"
        )

    __str__ = __repr__


def _field(block: bytes, offset: int, width: int, name: str) -> str:
    try:
        text = block[offset : offset + width].decode("utf-16-le")
    except UnicodeDecodeError as err:
        raise CardDataError(name, "not valid UTF-16LE") from err
    return text.strip(_PAD)


def _date(text: str, name: str) -> dt.date:
    if len(text) != 8 or not text.isdigit():
        raise CardDataError(name, "a date has 8 digits YYYYMMDD")
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as err:
        raise CardDataError(name, "impossible date") from err


def card_type_flag(block: bytes) -> str:
    """Return the type flag character at bytes 248-249, '' for a resident card."""
    return _field(block, _FLAG_OFFSET, 2, "card_type")


def parse_text(block: bytes, photo: bytes = b"") -> IdCard:
    """Parse a 256-byte text block of a resident ID card; `photo` is attached as is."""
    if len(block) != TEXT_SIZE:
        raise CardDataError("text", f"expected {TEXT_SIZE} bytes, got {len(block)}")
    flag = card_type_flag(block)
    if flag:
        raise UnsupportedCardType(flag)
    raw = {name: _field(block, offset, width, name) for name, offset, width in _FIELDS}

    try:
        number = validate_id_number(raw["id_number"])
    except InvalidIdNumber as err:
        # err carries a reason code and never the number itself.
        raise CardDataError("id_number", err.reason) from err
    birth_date = _date(raw["birth_date"], "birth_date")
    if id_number_facts(number).birth_date != birth_date:
        # A real card never disagrees with itself: this is a mis-parse or a forged block.
        raise CardDataError("birth_date", "does not match the ID number")
    if raw["gender"] not in GENDERS:
        raise CardDataError("gender", "not a GB/T 2261.1 code")
    if raw["nation"] not in NATIONS:
        raise CardDataError("nation", "not a GB 3304 code")
    if not raw["name"]:
        raise CardDataError("name", "empty")
    valid_to = None if raw["valid_to"] == LONG_TERM else _date(raw["valid_to"], "valid_to")

    return IdCard(
        name=Sensitive(raw["name"], mask=mask_name),
        gender=GENDERS[raw["gender"]],
        nation=NATIONS[raw["nation"]],
        birth_date=birth_date,
        address=Sensitive(raw["address"], mask=mask_address),
        id_number=Sensitive(number),
        authority=raw["authority"],
        valid_from=_date(raw["valid_from"], "valid_from"),
        valid_to=valid_to,
        photo=photo,
    )


def parse_read_reply(data: bytes) -> IdCard:
    """Parse the data of a 30 01 reply: text length, photo length (big-endian), blocks."""
    if len(data) < 4:
        raise CardDataError("reply", "shorter than its two length fields")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len != TEXT_SIZE:
        raise CardDataError("reply", f"text length {text_len}, expected {TEXT_SIZE}")
    if len(data) != 4 + text_len + photo_len:
        raise CardDataError("reply", "lengths do not add up to the reply size")
    return parse_text(data[4 : 4 + text_len], photo=bytes(data[4 + text_len :]))


def _put(text: str, width: int, name: str) -> bytes:
    encoded = text.encode("utf-16-le")
    if len(encoded) > width:
        raise ValueError(f"{name} needs {len(encoded)} bytes, the field has {width}")
    return encoded + " ".encode("utf-16-le") * ((width - len(encoded)) // 2)


def encode_text(
    *,
    name: str,
    gender_code: str,
    nation_code: str,
    birth_date: dt.date,
    address: str,
    id_number: str,
    authority: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    flag: str = "",
) -> bytes:
    """Build a 256-byte text block the way a card stores it (for the simulator and tests).

    Values are written as given, unchecked, so tests can build broken cards too.
    """
    values = {
        "name": name,
        "gender": gender_code,
        "nation": nation_code,
        "birth_date": birth_date.strftime("%Y%m%d"),
        "address": address,
        "id_number": id_number,
        "authority": authority,
        "valid_from": valid_from.strftime("%Y%m%d"),
        "valid_to": LONG_TERM if valid_to is None else valid_to.strftime("%Y%m%d"),
    }
    block = bytearray(" ".encode("utf-16-le") * (TEXT_SIZE // 2))
    for field_name, offset, width in _FIELDS:
        block[offset : offset + width] = _put(values[field_name], width, field_name)
    if flag:
        block[_FLAG_OFFSET : _FLAG_OFFSET + 2] = _put(flag, 2, "flag")
    return bytes(block)


def build_read_reply(text: bytes, photo: bytes) -> bytes:
    """Build the data of a 30 01 reply (after SW3) from a text block and a photo."""
    return len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo
