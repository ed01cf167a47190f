"""The Excel template an analyst fills in (``citynexus template``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

GUIDE = [
    ("units", "code", "必填 required", "Short unique code of the unit (city), e.g. GZ / 城市代码"),
    ("units", "name", "必填 required", "Name in English / 英文名称"),
    ("units", "name_zh", "选填 optional", "Name in Chinese / 中文名称"),
    ("units", "lat, lon", "选填 optional", "Coordinates in decimal degrees, WGS84 / 经纬度"),
    ("units", "(any other column)", "选填 optional", "A grouping variable, e.g. group = core/other / 分组变量"),
    ("indicators", "code", "必填 required", "Unique code of the indicator or aggregate / 指标代码"),
    ("indicators", "name, name_zh", "name 必填", "Names in English and Chinese / 指标名称"),
    ("indicators", "parent", "必填 required", "Code of the aggregate above; empty for the top / 上级指标代码"),
    ("indicators", "level", "必填 required", "1 = indicator; 2, 3, ... = pillar, sub-index, index / 层级"),
    ("indicators", "kind", "选填 optional", "indicator, aggregate or denominator / 类型"),
    ("indicators", "direction", "指标必填", "1 if higher is better, -1 if lower is better / 指标方向（正向1，负向-1）"),
    ("indicators", "weight", "选填 optional", "Weight within the parent, any positive scale; empty = 1 / 权重"),
    ("indicators", "unit", "选填 optional", "Unit of measurement / 计量单位"),
    ("indicators", "denominator", "选填 optional", "Code of a denominator (kind denominator) / 分母指标"),
    ("indicators", "source", "选填 optional", "Where the data come from / 数据来源"),
    (
        "values",
        "unit, period, indicator, value",
        "必填 required",
        "Long form: one row per value. Or wide form: unit, period, then one column per indicator / 长表或宽表",
    ),
    ("values", "period", "必填 required", "Year as an integer, e.g. 2023 / 年份"),
    ("values", "value", "选填 optional", "A plain number; empty = missing / 数值，空白表示缺失"),
]


def template_frames() -> dict[str, pd.DataFrame]:
    """The three sheets of the template with one example row each (a valid dataset)."""
    units = pd.DataFrame(
        [{"code": "GZ", "name": "Guangzhou", "name_zh": "广州", "lat": 23.1291, "lon": 113.2644, "group": "core"}]
    )
    indicators = pd.DataFrame(
        [
            {
                "code": "INDEX",
                "name": "My index",
                "name_zh": "综合指数",
                "parent": "",
                "level": 2,
                "kind": "aggregate",
                "direction": "",
                "weight": 1,
                "unit": "score",
                "denominator": "",
                "source": "",
            },
            {
                "code": "rd_intensity",
                "name": "R&D intensity",
                "name_zh": "研发投入强度",
                "parent": "INDEX",
                "level": 1,
                "kind": "indicator",
                "direction": 1,
                "weight": 1,
                "unit": "% of GDP",
                "denominator": "",
                "source": "example",
            },
        ]
    )
    values = pd.DataFrame([{"unit": "GZ", "period": 2023, "indicator": "rd_intensity", "value": 3.4}])
    return {"units": units, "indicators": indicators, "values": values}


def write_template(path: str | Path) -> Path:
    """Write the template workbook: sheets units, indicators, values (one example row
    each, header comments describing each column) and a bilingual 'guide' sheet."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    path = Path(path)
    frames = template_frames()
    guide = pd.DataFrame(GUIDE, columns=["sheet", "column", "required 是否必填", "meaning 说明"])
    notes = {(s, c): m for s, cols, _, m in GUIDE for c in cols.split(", ")}
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in frames.items():
            df.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            for j, col in enumerate(df.columns, start=1):
                cell = ws.cell(row=1, column=j)
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="DDEBF7")
                text = notes.get((name, col)) or notes.get((name, "(any other column)"), "")
                if text:
                    cell.comment = Comment(text, "citynexus")
                ws.column_dimensions[cell.column_letter].width = max(12, len(str(col)) + 4)
            ws.freeze_panes = "A2"
        guide.to_excel(xw, sheet_name="guide", index=False)
        ws = xw.sheets["guide"]
        for col, width in zip("ABCD", (12, 32, 16, 90)):
            ws.column_dimensions[col].width = width
        for cell in ws[1]:
            cell.font = Font(bold=True)
    return path
