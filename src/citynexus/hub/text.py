"""Bilingual tokenisation for lexical matching (中英文分词).

Chinese runs are cut by jieba in search mode (long words also yield their sub-words, so
``新能源汽车`` gives ``新能源``, ``汽车`` and ``新能源汽车``) with a domain dictionary shipped in
``citynexus/hub/resources/domain_dict.txt`` (粤港澳大湾区, 新能源汽车, 动力电池, ...).
Other runs give lower-cased English words and codes (``iso``, ``9001``, ``5g``), with
stop-words removed and a light plural folding (``batteries`` -> ``battery``). A private
``jieba.Tokenizer`` is used, so the global jieba state of other code is left alone.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from importlib import resources

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"([{_CJK}]+)|([^{_CJK}]+)")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_WORD = re.compile(r"[a-z0-9]+(?:[+#][a-z0-9+#]*)?")

EN_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "by",
        "can",
        "do",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "their",
        "them",
        "these",
        "this",
        "those",
        "to",
        "was",
        "we",
        "were",
        "which",
        "will",
        "with",
        "within",
        "you",
        "your",
        "per",
        "via",
        "any",
        "all",
        "also",
        "other",
        "than",
        "more",
        "most",
        "such",
        "not",
        "no",
        "yes",
        "up",
        "out",
        "over",
        "under",
        "both",
        "each",
        "own",
        "us",
        "i",
        "looking",
        "seek",
        "seeking",
        "need",
        "needs",
        "want",
        "wanted",
        "provide",
        "provides",
        "offer",
        "offers",
        "offering",
    ]
)
ZH_STOP = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "等",
        "在",
        "为",
        "对",
        "是",
        "有",
        "于",
        "或",
        "向",
        "将",
        "把",
        "被",
        "个",
        "们",
        "其",
        "之",
        "并",
        "可",
        "也",
        "就",
        "都",
        "而",
        "以",
        "从",
        "由",
        "月",
        "年",
        "日",
        "万",
        "件",
        "套",
        "台",
        "项",
        "家",
        "位",
        "名",
        "我们",
        "我司",
        "本公司",
        "公司",
        "提供",
        "寻求",
        "需要",
        "寻找",
        "希望",
        "能够",
        "可以",
        "进行",
        "相关",
        "以及",
        "一个",
        "一批",
        "具有",
        "具备",
        "拥有",
    ]
)

_lock = threading.Lock()


def _dictionary_path() -> str:
    return str(resources.files("citynexus.hub").joinpath("resources/domain_dict.txt"))


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    with _lock:
        tk = jieba.Tokenizer()
        tk.initialize()
        tk.load_userdict(_dictionary_path())
    return tk


def domain_words() -> list[str]:
    """The words of the shipped domain dictionary."""
    path = _dictionary_path()
    with open(path, encoding="utf-8") as fh:
        return [line.split()[0] for line in fh if line.strip()]


def _fold_en(w: str) -> str:
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def normalise(text: str) -> str:
    """NFKC (full-width -> half-width) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def tokenize(text: str) -> list[str]:
    """Tokens of ``text`` for BM25: jieba search-mode words for Chinese, folded English words.

    >>> tokenize("EV batteries 动力电池回收")[:2]
    ['ev', 'battery']
    """
    out: list[str] = []
    for zh, other in _RUN.findall(normalise(text)):
        if zh:
            for w in _jieba().cut_for_search(zh):
                if w not in ZH_STOP:
                    out.append(w)
        else:
            for w in _WORD.findall(other):
                if w in EN_STOP or (w.isdigit() and len(w) < 3):
                    continue
                if len(w) == 1 and not w.isdigit():
                    continue
                out.append(_fold_en(w))
    return out


def detect_lang(text: str) -> str:
    """``"zh"`` when CJK characters carry at least 20% of the text's letters, counting one CJK
    character as three letters (about one English word), else ``"en"``.

    Counted in C (one regex pass takes out the CJK characters, ``str.isalpha`` is mapped over the rest): this runs on
    every record of an import."""
    rest, n_cjk = _CJK_CHAR.subn("", text)
    if n_cjk == 0:
        return "en"
    n_alpha = sum(map(str.isalpha, rest))
    # one CJK character carries about as much as a 3-letter word
    return "zh" if n_cjk * 3 >= 0.2 * (n_alpha + n_cjk * 3) else "en"
