"""Sample certificate contexts and PDF inspection helpers shared by the certificate tests."""

from __future__ import annotations

import csv
import re
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from certificates.serials import ALPHABET, BODY_LENGTH, check_symbol, group
from tests.helpers import poppler

# A copy of ../shared/data/roster-sample.csv, so the suite never depends on a sibling folder.
ROSTER_PATH = Path(__file__).resolve().parents[1] / "data" / "roster-sample.csv"
BIDI_MARKS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


LABELS = {
    "en": {
        "title": "Certificate of completion",
        "certifies": "This certifies that",
        "completed": "has completed the course",
        "standards_met": "Performance standards met",
        "issued": "Issued",
        "expires": "Valid until",
        "serial": "Serial number",
        "verify": "To check this certificate, scan the code or visit:",
        "rank": "Rank",
        "service_number": "Service number",
        "country": "Country",
    },
    "fr": {
        "title": "Certificat de réussite",
        "certifies": "Il est certifié que",
        "completed": "a suivi avec succès le cours",
        "standards_met": "Normes de performance atteintes",
        "issued": "Délivré le",
        "expires": "Valable jusqu’au",
        "serial": "Numéro de série",
        "verify": "Pour vérifier ce certificat, scannez le code ou rendez-vous sur :",
        "rank": "Grade",
        "service_number": "Matricule",
        "country": "Pays",
    },
    "zh": {
        "title": "结业证书",
        "certifies": "兹证明",
        "completed": "已完成以下课程",
        "standards_met": "已达到的绩效标准",
        "issued": "颁发日期",
        "expires": "有效期至",
        "serial": "证书编号",
        "verify": "如需核实本证书，请扫描二维码或访问：",
        "rank": "军衔",
        "service_number": "军籍号",
        "country": "国家",
    },
    "ar": {
        "title": "شهادة إتمام",
        "certifies": "يشهد هذا بأن",
        "completed": "قد أتم الدورة التدريبية",
        "standards_met": "معايير الأداء المستوفاة",
        "issued": "تاريخ الإصدار",
        "expires": "صالحة حتى",
        "serial": "الرقم التسلسلي",
        "verify": "للتحقق من هذه الشهادة، امسح الرمز أو تفضل بزيارة:",
        "rank": "الرتبة",
        "service_number": "الرقم العسكري",
        "country": "البلد",
    },
}

COURSE_TITLES = {
    "en": "Core Pre-deployment Training",
    "fr": "Formation de base préalable au déploiement",
    "zh": "核心部署前培训",
    "ar": "التدريب الأساسي السابق للنشر",
}

STANDARDS = {
    "en": [
        ("POC-01", "Protection of civilians"),
        ("SEA-02", "Prevention of sexual exploitation and abuse"),
    ],
    "fr": [
        ("POC-01", "Protection des civils"),
        ("SEA-02", "Prévention de l’exploitation et des abus sexuels"),
    ],
    "zh": [("POC-01", "保护平民"), ("SEA-02", "预防性剥削和性虐待")],
    "ar": [("POC-01", "حماية المدنيين"), ("SEA-02", "منع الاستغلال والانتهاك الجنسيين")],
}

SIX_LONG_STANDARDS = [
    ("POC-01", "Protection of civilians under imminent threat of physical violence"),
    ("CRSV-02", "Prevention of and response to conflict-related sexual violence"),
    ("SEA-03", "Prevention of sexual exploitation and abuse by United Nations personnel"),
    ("IHL-04", "International humanitarian law and the rules of engagement in the field"),
    ("MED-05", "Buddy first aid and casualty evacuation under fire and in remote areas"),
    ("CIMIC-06", "Civil-military coordination with humanitarian actors and local authorities"),
]

ISSUED = {"en": "2 May 2024", "fr": "2 mai 2024", "zh": "2024年5月2日", "ar": "2 مايو 2024"}
EXPIRES = {"en": "2 May 2027", "fr": "2 mai 2027", "zh": "2027年5月2日", "ar": "2 مايو 2027"}

COUNTRY_NAMES = {
    "NPL": {"en": "Nepal", "fr": "Népal", "zh": "尼泊尔", "ar": "نيبال"},
    "BGD": {"en": "Bangladesh", "fr": "Bangladesh", "zh": "孟加拉国", "ar": "بنغلاديش"},
    "CHN": {"en": "China", "fr": "Chine", "zh": "中国", "ar": "الصين"},
    "SEN": {"en": "Senegal", "fr": "Sénégal", "zh": "塞内加尔", "ar": "السنغال"},
    "MAR": {"en": "Morocco", "fr": "Maroc", "zh": "摩洛哥", "ar": "المغرب"},
    "RWA": {"en": "Rwanda", "fr": "Rwanda", "zh": "卢旺达", "ar": "رواندا"},
    "ETH": {"en": "Ethiopia", "fr": "Éthiopie", "zh": "埃塞俄比亚", "ar": "إثيوبيا"},
    "IDN": {"en": "Indonesia", "fr": "Indonésie", "zh": "印度尼西亚", "ar": "إندونيسيا"},
    "IND": {"en": "India", "fr": "Inde", "zh": "印度", "ar": "الهند"},
}

# The font family a name in each script must be set in, as pdffonts names it (subset prefix removed).
SCRIPT_FONTS = {
    "DEVANAGARI": "Noto-Sans-Devanagari",
    "BENGALI": "Noto-Sans-Bengali",
    "ETHIOPIC": "Noto-Sans-Ethiopic",
    "CJK": "Noto-Sans-CJK-SC",
    "ARABIC": "Noto-Naskh-Arabic",
}


def sample_serial(seed: int) -> str:
    """A valid, deterministic serial number."""
    body = "".join(ALPHABET[(seed * 7 + i * 11) % len(ALPHABET)] for i in range(BODY_LENGTH))
    return group(body + check_symbol(body))


def sample_context(
    language: str = "en",
    holder_name: str = "Sita Gurung",
    country: str = "NPL",
    rank: str = "Captain",
    service_number: str = "NP-40112",
    seed: int = 1,
) -> dict[str, Any]:
    """A complete certificate context in language."""
    serial = sample_serial(seed)
    return {
        "holder_name": holder_name,
        "rank": rank,
        "service_number": service_number,
        "country": country,
        "country_name": COUNTRY_NAMES[country][language],
        "course_title": COURSE_TITLES[language],
        "course_version": "2024.2",
        "standards": [{"code": code, "title": title} for code, title in STANDARDS[language]],
        "issued_on": ISSUED[language],
        "expires_on": EXPIRES[language],
        "serial": serial,
        "centre": "Test Peacekeeping Training Centre",
        "verify_url": f"https://lms.example.org/verify/{serial}",
        "language": language,
        "direction": "rtl" if language == "ar" else "ltr",
        "labels": LABELS[language],
    }


def read_roster() -> list[dict[str, str]]:
    """The rows of the shared roster sample, or skip the test if the file is not there."""
    if not ROSTER_PATH.is_file():
        pytest.skip(f"roster sample not found at {ROSTER_PATH} (shared data not checked out)")
    with ROSTER_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def roster_context(row: dict[str, str], seed: int) -> dict[str, Any]:
    """A certificate context for one roster row, in the trainee's language."""
    return sample_context(
        language=row["language"],
        holder_name=row["full_name"],
        country=row["nationality"],
        rank=row["rank"],
        service_number=row["service_number"],
        seed=seed,
    )


def plain(text: str) -> str:
    """Text without bidi marks and with runs of whitespace as single spaces."""
    return " ".join(BIDI_MARKS.sub("", text).split())


def scripts_of(name: str) -> set[str]:
    """The scripts of SCRIPT_FONTS that occur in name."""
    found = set()
    for ch in name:
        char_name = unicodedata.name(ch, "")
        found.update(script for script in SCRIPT_FONTS if char_name.startswith(script))
    return found


def page_count(pdf_bytes: bytes, tmp_path: Path) -> int:
    """The number of pages pdfinfo reports."""
    match = re.search(r"^Pages:\s+(\d+)$", poppler("pdfinfo", pdf_bytes, tmp_path), re.MULTILINE)
    assert match
    return int(match.group(1))


def decode_qr(pdf_bytes: bytes, tmp_path: Path) -> str:
    """Rasterise page 1 at 150 dpi and return what zbarimg reads from it."""
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf_bytes)
    prefix = tmp_path / "page"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(path),
            str(prefix),
        ],
        check=True,
        timeout=60,
    )
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(prefix.with_suffix(".png"))],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.rstrip("\n")
