"""The rank vocabulary (accounts/ranks.yaml): every rank named in the six languages, the spellings
rosters use mapped to it, an unknown rank kept as entered."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from accounts.ranks import (
    normalised,
    rank_key,
    rank_label,
    rank_of,
    read_vocabulary,
    vocabulary,
)
from lms.settings import LANGUAGES
from lms.yamlfile import PackageError


def test_every_rank_has_its_six_labels_each_naming_it_and_no_other():
    ranks = vocabulary().ranks
    assert len(ranks) >= 20
    for rank in ranks:
        assert set(rank.labels) == set(LANGUAGES)
        for language, label in rank.labels.items():
            assert label.strip() == label and label, (rank.key, language)
            assert rank_of(label) is rank, (rank.key, language, label)
    # Distinct ranks have distinct labels in each language (a reader can tell them apart).
    for language in LANGUAGES:
        labels = [normalised(rank.labels[language]) for rank in ranks]
        assert len(set(labels)) == len(labels), language


def test_the_labels_are_in_each_languages_script():
    for rank in vocabulary().ranks:
        assert all("\u4e00" <= c <= "\u9fff" for c in rank.labels["zh"]), rank.key
        assert all("\u0600" <= c <= "\u06ff" or c == " " for c in rank.labels["ar"]), rank.key
        assert all("\u0400" <= c <= "\u04ff" or c in " -" for c in rank.labels["ru"]), rank.key
        for language in ("en", "fr", "es"):
            assert all(c.isascii() or c in "éèêáíóúñ’" for c in rank.labels[language]), rank.key


@pytest.mark.parametrize(
    ("entered", "key"),
    [
        ("Sergeant", "sergeant"),
        ("sgt", "sergeant"),
        ("SGT.", "sergeant"),
        ("Sergent", "sergeant"),
        ("Sargento", "sergeant"),
        ("сержант", "sergeant"),
        ("Lieutenant-Colonel", "lieutenant_colonel"),
        ("Lt Col", "lieutenant_colonel"),
        ("Lt. Col.", "lieutenant_colonel"),
        ("LTCOL", "lieutenant_colonel"),
        ("lieutenant colonel", "lieutenant_colonel"),
        ("Teniente Coronel", "lieutenant_colonel"),
        ("Capt", "captain"),
        ("Capitaine", "captain"),
        ("Capitan", "captain"),
        ("上尉", "captain"),
        ("نقيب", "captain"),
        ("Cpl", "corporal"),
        ("Pte", "private"),
        ("Soldat de 1ère classe", "lance_corporal"),
        ("Commandant", "major"),
        ("Chef d’escadrons", "major"),  # a typographic apostrophe
        ("Général de corps d'armée", "lieutenant_general"),
        ("General de division", "major_general"),  # without its accent
        ("ملازم اول", "lieutenant"),  # without the hamza
        ("Adjudant-Chef", "chief_warrant_officer"),
        ("Inspector", "inspector"),
        ("Inspecteur", "inspector"),
        ("Gardien de la paix", "constable"),
        ("Ch Supt", "chief_superintendent"),
        ("  Major  ", "major"),
    ],
)
def test_spellings_map_to_their_rank(entered, key):
    assert rank_of(entered).key == key
    assert rank_key(entered) == key


def test_a_rank_in_the_readers_language():
    assert rank_label("Sgt", "ar") == "رقيب"
    assert rank_label("Sgt", "fr") == "Sergent"
    assert rank_label("Capitaine", "en") == "Captain"
    assert rank_label("Lt Col", "zh") == "中校"
    assert rank_label("Lt Col", "ru") == "Подполковник"
    assert rank_label("Commandant", "es") == "Comandante"
    assert rank_label("Inspecteur", "en") == "Inspector"


def test_an_unknown_rank_is_kept_as_entered_and_none_is_empty():
    for entered in ("Havildar", "Brigadier", "Maréchal des logis", "Старший лейтенант", "大校"):
        assert rank_of(entered) is None
        assert rank_label(entered, "ar") == entered
        assert rank_label(f" {entered} ", "fr") == entered
    assert rank_key("havildar") == rank_key("HAVILDAR") != rank_key("Sepoy")
    assert rank_label(None, "en") == rank_label("", "en") == rank_label("  ", "en") == ""


def test_the_loader_refuses_a_spelling_of_two_ranks_and_a_missing_label(tmp_path: Path):
    labels = {language: f"Rank {language}" for language in LANGUAGES}
    data = {
        "ranks": [
            {"key": "a", "group": "nco", "labels": labels, "spellings": ["X"]},
            {
                "key": "b",
                "group": "nco",
                "labels": {**{k: f"B {k}" for k in LANGUAGES}},
                "spellings": ["x."],
            },
            {"key": "c", "group": "nco", "labels": {"en": "C"}},
        ]
    }
    path = tmp_path / "ranks.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PackageError) as refused:
        read_vocabulary(path)
    message = str(refused.value)
    assert "'x.' already names a" in message and "rank 'c'" in message and "'zh'" in message
