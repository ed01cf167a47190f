"""Bilingual agreement templates: joint R&D, capacity supply, green production, talent
training and cross-border data verification. Each is a filled-in TOML example that validates
as it is (parties are organizations of the bundled synthetic demo hub) and is meant to be
edited: ``citynexus agree new --template NAME``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from citynexus.agree.errors import AgreeError

TEMPLATES: dict[str, str] = {
    "joint-rd": "Joint R&D (R&D intensity, patents filed, joint projects) / 联合研发",
    "capacity-supply": "Capacity supply (output, on-time delivery share, defect ppm) / 产能供应",
    "green-production": "Green production (CO2 per unit, energy per unit, certified share) / 绿色生产",
    "talent-training": "Talent training (trainees, placements, certification) / 人才培养",
    "data-verification": "Cross-border data verification (verified share, incidents, assessment) / 跨境数据核验",
}


def template_text(name: str) -> str:
    """The TOML text of a template."""
    if name not in TEMPLATES:
        raise AgreeError(f"unknown template {name!r}; use one of {', '.join(TEMPLATES)}")
    return (resources.files("citynexus.agree") / "templates" / f"{name}.toml").read_text(encoding="utf-8")


def fill(name: str, agreement_id: str | None = None, parties: list[str] | None = None) -> str:
    """The template with its id and/or parties replaced (in order of the template's parties)."""
    import tomllib

    text = template_text(name)
    data = tomllib.loads(text)
    if agreement_id:
        text = text.replace(f'id = "{data["id"]}"', f'id = "{agreement_id}"', 1)
    if parties:
        old = data["parties"]
        if len(parties) != len(old):
            raise AgreeError(f"template {name!r} has {len(old)} parties; give exactly {len(old)} with --parties")
        marks = {o: f"\x00{i}\x00" for i, o in enumerate(old)}
        for o, m in marks.items():
            text = text.replace(f'"{o}"', f'"{m}"')
        for (_o, m), new in zip(marks.items(), parties):
            text = text.replace(f'"{m}"', f'"{new}"')
    return text


def write_template(
    name: str, path: str | Path, agreement_id: str | None = None, parties: list[str] | None = None, force: bool = False
) -> Path:
    """Write a filled-in template to ``path`` (refuses to overwrite unless ``force``)."""
    p = Path(path)
    if p.exists() and not force:
        raise AgreeError(f"{p} exists; pass --force to overwrite or choose another --out")
    p.write_text(fill(name, agreement_id, parties), encoding="utf-8")
    return p
