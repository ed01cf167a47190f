"""Labels of the data page: upload results, the replace choice, and each kind of validation
problem described in the page's language (the exact English text of the problem is shown
beside it, marked as English, because it quotes the cells)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "data_replace": (
        "Replace a stored dataset of the same name",
        "替换同名的已存数据集",
    ),
    "data_valid": ("Valid", "校验通过"),
    "data_nothing_stored": ("validation only: nothing was stored", "仅校验：未保存任何数据"),
    "data_stored_as": ("stored as", "已保存为"),
    "data_units": ("units", "个单元"),
    "data_indicators": ("indicators", "个指标"),
    "data_periods": ("periods", "年份"),
    "data_open": ("open its overview", "打开总览"),
    "data_detail_en": ("exact message (English)", "原始信息（英文）"),
    "data_list_refreshed": ("The list of datasets is up to date.", "数据集列表已更新。"),
    # kinds of validation problems (citynexus.errors.DataProblem subclasses): (problem, fix)
    "val_EmptyFileError": ("The file or sheet has no data rows.", "文件或工作表没有数据行。"),
    "valfix_EmptyFileError": ("Add at least one data row.", "至少添加一行数据。"),
    "val_MissingFileError": ("An expected file is missing.", "缺少必需的文件。"),
    "valfix_MissingFileError": (
        "Upload units.csv, indicators.csv and values.csv, an .xlsx workbook or a .zip.",
        "请上传 units.csv、indicators.csv 和 values.csv，或 .xlsx 工作簿，或 .zip 压缩包。",
    ),
    "val_EncodingProblem": ("The text file is neither UTF-8 nor GBK.", "文本文件既不是 UTF-8 也不是 GBK 编码。"),
    "valfix_EncodingProblem": (
        "Save it as UTF-8 (CSV UTF-8 in Excel).",
        "请另存为 UTF-8 编码（Excel 中选择“CSV UTF-8”）。",
    ),
    "val_SheetNameError": ("The workbook lacks an expected sheet.", "工作簿缺少必需的工作表。"),
    "valfix_SheetNameError": (
        "Name the sheets units, indicators and values (citynexus template).",
        "请将工作表命名为 units、indicators 和 values（可用 citynexus template 生成模板）。",
    ),
    "val_MissingColumnError": ("A required column is missing.", "缺少必需的列。"),
    "valfix_MissingColumnError": ("Add the column named in the message.", "请添加信息中指出的列。"),
    "val_DuplicateError": (
        "A code or a unit/period/indicator row appears twice.",
        "代码或“单元/年份/指标”组合重复出现。",
    ),
    "valfix_DuplicateError": ("Keep one row and delete the others.", "保留一行，删除其余重复行。"),
    "val_UnknownParentError": ("An indicator's parent is not declared.", "指标的上级指标未声明。"),
    "valfix_UnknownParentError": (
        "Declare the parent in the indicators table or correct its code.",
        "请在指标表中声明该上级指标，或更正其代码。",
    ),
    "val_FrameworkCycleError": ("The indicator framework contains a cycle.", "指标体系中存在循环引用。"),
    "valfix_FrameworkCycleError": (
        "Correct the parent column so that it forms a tree.",
        "请更正上级指标列，使其构成树状结构。",
    ),
    "val_FrameworkStructureError": (
        "Levels, kinds, weights or denominators of the framework do not fit together.",
        "指标体系的层级、类型、权重或分母不一致。",
    ),
    "valfix_FrameworkStructureError": ("Correct the indicators table as the message says.", "请按信息提示更正指标表。"),
    "val_MissingDirectionError": ("An indicator has no valid direction.", "指标缺少有效的方向。"),
    "valfix_MissingDirectionError": (
        "Write 1 (higher is better) or -1 (lower is better).",
        "请填写 1（越大越好）或 -1（越小越好）。",
    ),
    "val_NonNumericValueError": (
        "A cell that must hold a number holds something else.",
        "应为数字的单元格包含其他内容。",
    ),
    "valfix_NonNumericValueError": (
        "Write a number, or leave the cell empty for a missing value.",
        "请填写数字；缺失值请留空。",
    ),
    "val_UndeclaredCodeError": (
        "The values name a unit or indicator that is not declared.",
        "数值表引用了未声明的单元或指标。",
    ),
    "valfix_UndeclaredCodeError": (
        "Declare it in units or indicators, or correct the code.",
        "请在单元表或指标表中声明，或更正代码。",
    ),
    "val_PeriodError": ("A period is not a whole year.", "年份不是整数年份。"),
    "valfix_PeriodError": ("Write the year as four digits, e.g. 2023.", "请用四位数字填写年份，例如 2023。"),
    "val_DataProblem": ("The data cannot be read.", "无法读取数据。"),
    "valfix_DataProblem": ("Correct the file as the message says.", "请按信息提示更正文件。"),
}
