"""The words plotly.js draws itself on every figure (the mode bar's buttons, hover hints), in
English and 中文, so that a Chinese page's figure toolbar is Chinese too. The English side is
plotly.js's own text (the key of its locale dictionary, see plotly.js ``src/locale-en.js``);
the pages register them as a plotly locale (``static/app.js``)."""

from __future__ import annotations

_PAIRS = (
    ("Autoscale", "自动缩放"),
    ("Box Select", "矩形框选"),
    ("Click to enter Colorscale title", "点击输入色标标题"),
    ("Compare data on hover", "悬停时比较数据"),
    ("Double-click on legend to isolate one trace", "双击图例只显示该序列"),
    ("Double-click to zoom back out", "双击还原缩放"),
    ("Download plot", "下载图表"),
    ("Download plot as a png", "下载图表为图片"),
    ("Download plot as a PNG", "下载图表为图片"),
    ("Draw circle", "画圆"),
    ("Draw closed freeform", "画闭合自由形状"),
    ("Draw line", "画线"),
    ("Draw open freeform", "画开放自由形状"),
    ("Draw rectangle", "画矩形"),
    ("Edit in Chart Studio", "在 Chart Studio 中编辑"),
    ("Erase active shape", "擦除选中的形状"),
    ("Lasso Select", "套索选择"),
    ("Orbital rotation", "轨道旋转"),
    ("Pan", "平移"),
    ("Produced with Plotly.js", "由 Plotly.js 生成"),
    ("Reset", "重置"),
    ("Reset axes", "重置坐标轴"),
    ("Reset camera to default", "重置视角"),
    ("Reset camera to last save", "恢复上次保存的视角"),
    ("Reset view", "重置视图"),
    ("Reset views", "重置所有视图"),
    ("Share chart...", "分享图表…"),
    ("Show closest data on hover", "悬停时显示最近的数据"),
    ("Snapshot succeeded", "截图成功"),
    ("Sorry, there was a problem downloading your snapshot!", "抱歉，下载截图时出错！"),
    ("Taking snapshot - this may take a few seconds", "正在截图，可能需要几秒钟"),
    ("Toggle Spike Lines", "切换辅助线"),
    ("Toggle show closest data on hover", "切换悬停时显示最近的数据"),
    ("Turntable rotation", "转盘旋转"),
    ("Zoom", "缩放"),
    ("Zoom in", "放大"),
    ("Zoom out", "缩小"),
)

TEXT: dict[str, tuple[str, str]] = {f"plotly_{en}": (en, zh) for en, zh in _PAIRS}


def dictionary(lang: str) -> dict[str, str]:
    """plotly.js's words -> their text in ``lang`` (empty for English: plotly's own)."""
    from citynexus.i18n import t

    return {} if lang == "en" else {en: t(f"plotly_{en}", lang) for en, _ in _PAIRS}
