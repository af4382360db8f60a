"""Templates in prompts/ load and validate; a bad one fails naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from search_api.config import AppSettings
from search_api.drafting.templates import TemplateError, TemplateRegistry, load_template

PROMPTS_DIR = AppSettings().prompts_dir  # the repository's prompts/ unless THAMMUU_PROMPTS_DIR says otherwise

REQUIRED = {"bao-cao-so-ket", "bao-cao-tong-ket", "bao-cao-chuyen-de", "to-trinh"}


def test_all_shipped_templates_load() -> None:
    registry = TemplateRegistry.load(PROMPTS_DIR)
    keys = {t.key for t in registry.all()}
    assert {f"{t}.vi" for t in REQUIRED} <= keys
    assert {"bao-cao-so-ket.en", "bao-cao-so-ket.bn"} <= keys
    so_ket = registry.get("bao-cao-so-ket")
    assert [s.heading.split(".")[0] for s in so_ket.sections] == ["I", "II", "III", "IV", "V", "VI", "VII"]
    assert [[r.value for r in s.roles] for s in so_ket.sections] == [
        ["context"],
        ["leadership"],
        ["results"],
        ["limitations"],
        ["lessons"],
        ["directions"],
        ["recommendations"],
    ]
    assert [s.targets for s in so_ket.sections] == [False, False, True, False, False, False, False]
    assert so_ket.motto == ["ĐẢNG CỘNG SẢN VIỆT NAM"]
    assert registry.get("to-trinh").motto == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    for t in registry.all():
        assert t.recipients and t.number and "{date}" in t.place_date
        assert all(s.hints and s.prompt and s.roles for s in t.sections)
        assert len(t.gap_text) >= 5
        assert sum(s.targets for s in t.sections) <= 1, t.key  # one targets table at most


def test_language_falls_back_to_vietnamese() -> None:
    registry = TemplateRegistry.load(PROMPTS_DIR)
    assert registry.get("bao-cao-so-ket", "en").language == "en"
    assert registry.get("to-trinh", "en").language == "vi"
    with pytest.raises(KeyError):
        registry.get("no-such-report")


def _copy_with(tmp_path: Path, mutate) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load((PROMPTS_DIR / "bao-cao-so-ket.vi.yaml").read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_section_without_hints_names_file_and_field(tmp_path: Path) -> None:
    path = _copy_with(tmp_path, lambda d: d["sections"][2].update(hints=[]))
    with pytest.raises(TemplateError) as err:
        load_template(path)
    assert "broken.yaml" in str(err.value)
    assert "sections.2.hints" in str(err.value)


def test_unknown_section_field_and_missing_prompt_are_reported(tmp_path: Path) -> None:
    def mutate(d: dict) -> None:  # type: ignore[type-arg]
        d["sections"][0]["hintz"] = ["x"]
        del d["sections"][1]["prompt"]

    with pytest.raises(TemplateError) as err:
        load_template(_copy_with(tmp_path, mutate))
    message = str(err.value)
    assert "sections.0.hintz" in message and "sections.1.prompt" in message


def test_section_roles_are_required_and_known(tmp_path: Path) -> None:
    path = _copy_with(tmp_path, lambda d: d["sections"][1].pop("roles"))
    with pytest.raises(TemplateError, match=r"sections\.1\.roles"):
        load_template(path)
    for bad in ([], ["no-such-role"], [""]):
        path = _copy_with(tmp_path, lambda d, bad=bad: d["sections"][3].update(roles=bad))
        with pytest.raises(TemplateError, match=r"sections\.3\.roles"):
            load_template(path)


def test_gap_text_is_required(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="gap_text"):
        load_template(_copy_with(tmp_path, lambda d: d.pop("gap_text")))
    with pytest.raises(TemplateError, match="gap_text"):
        load_template(_copy_with(tmp_path, lambda d: d.update(gap_text="x")))


def test_adding_a_template_needs_no_code(tmp_path: Path) -> None:
    data = yaml.safe_load((PROMPTS_DIR / "to-trinh.vi.yaml").read_text(encoding="utf-8"))
    data["id"] = "ke-hoach"
    data["title"] = "KẾ HOẠCH"
    (tmp_path / "ke-hoach.vi.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    registry = TemplateRegistry.load(tmp_path)
    assert registry.get("ke-hoach").title == "KẾ HOẠCH"


def test_not_a_mapping_and_duplicates_fail(tmp_path: Path) -> None:
    (tmp_path / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="list.yaml"):
        TemplateRegistry.load(tmp_path)
    (tmp_path / "list.yaml").unlink()
    src = (PROMPTS_DIR / "to-trinh.vi.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(src, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(src, encoding="utf-8")
    with pytest.raises(TemplateError, match="two templates"):
        TemplateRegistry.load(tmp_path)


def test_templates_are_found_outside_a_checkout(tmp_path: Path) -> None:
    """An installed (non-editable) package reads the copy pyproject's data-files put under <prefix>/share."""
    import search_api.config as config

    share = tmp_path / "share" / "thammuu" / "prompts"
    share.mkdir(parents=True)
    assert config.default_prompts_dir(tmp_path) == Path(config.__file__).resolve().parents[1] / "prompts"
    fake_module = tmp_path / "site-packages" / "search_api" / "config.py"
    original = config.__file__
    try:
        config.__file__ = str(fake_module)  # as if installed: no prompts/ beside the package
        assert config.default_prompts_dir(tmp_path) == share
    finally:
        config.__file__ = original
