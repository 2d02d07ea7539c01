"""Split a leader's comment (点评) into the problems it names, as proposals for the user.

A comment usually affirms the work first, often as a list ("一是……二是……"), then turns to
the problems ("但也要看到……存在一些问题：一是……；二是……"), then may give advice. Only the
enumerated items of a list introduced by such a turn are proposed; the user edits, merges,
drops or accepts them. Pure: no Django, so it is tested on plain strings.

How the text is read:

- markers of one family count up from 1 ("一是, 二是", "1. 2、", "（一）（二）"); a marker
  that does not continue an open list and is not a 1 is ordinary text;
- a list started inside an item is nested in it ("一是学习不够：1. …；2. …"); a marker
  that continues an outer list ends the nested one ("二、问题 1. … 2. … 三、打算");
- an inline item ("一是", "1.") ends at a paragraph break after a finished sentence, or
  before a sentence that turns away ("但……", "希望……", "这些问题……"); headings
  ("一、", "（一）") run until the next heading of their list;
- a list is a list of problems when the few sentences before it name them ("问题", "不足",
  "差距", "短板"…) and do not announce advice ("建议", "希望", "要求"…); "这些问题" and
  "上述问题" look back, not forward. Within a list that is not, its items' own lead-ins are
  looked at, so "二、存在的问题\\n1. …\\n2. …" is found.
- no such list: the sentence outside every list that names a problem, without its turn of
  phrase ("但也要看到，") — or, when that sentence only announces problems, the next one;
  nothing when it is shorter than `MIN_CHARS`. With no such sentence either, a text that is
  only a list (a pasted list of problems) has all its outermost items proposed; a text
  without any list or cue proposes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MIN_CHARS = 8
LEAD_IN_CHARS = 150

_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九", start=0)}
_CN_NUM = "[一二三四五六七八九十]{1,3}"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# Family name → pattern with a group "n"; headings are the families that span paragraphs.
_FAMILIES: list[tuple[str, str]] = [
    ("paren_cn", rf"[（(](?P<n>{_CN_NUM})[）)]"),
    ("paren_ar", r"[（(](?P<n>\d{1,2})[）)]"),
    ("di", rf"第(?P<n>{_CN_NUM})(?:是|[，,、：:])"),
    ("shi", rf"(?P<n>{_CN_NUM})是"),
    ("yao", rf"(?P<n>{_CN_NUM})要"),
    ("dun", rf"(?P<n>{_CN_NUM})、"),
    ("arabic", r"(?P<n>\d{1,2})[.．、](?!\d)"),
    ("circled", rf"(?P<n>[{_CIRCLED}])"),
]
_HEADINGS = {"dun", "paren_cn"}
_MARKER = re.compile(
    "|".join(
        f"(?P<{name}>{pattern.replace('?P<n>', f'?P<{name}_n>')})" for name, pattern in _FAMILIES
    )
)
# A marker starts an item only at the start of the text or after a break or punctuation.
_BOUNDARY = set(' \t\r\n\u3000。；;：:，,！!？?）)」』”"')
_TERMINATORS = "。！？；;!?"
_SENTENCE_END = re.compile(r"[。！？；;!?\n]")

_CUES = re.compile(
    r"问题|不足|差距|短板|薄弱|欠缺|弱项|不够|不到位|不容忽视|也要看到|也应看到|还存在|但也存在"
)
# "这些问题" looks back, "解决突出问题" reports work done: neither announces problems.
_NOT_A_CUE = re.compile(r"(?:上述|这些|以上|前述|针对|解决|破解|整改|化解|回应)[^。；;，,]{0,6}$")
# Words after the last cue that announce advice or achievements rather than problems.
_NOT_PROBLEMS = re.compile(
    r"建议|希望|要求|几点意见|意见建议|措施|下一步|打算|努力方向|成绩|成效|特点|亮点|经验|做法"
)
_TURN_AWAY = re.compile(
    r"(?:但是?|不过|然而|希望|总的来看|总体来看|总体上看|总之|下一步|这些问题|以上问题|"
    r"上述问题|同时也要看到|同时也应看到|也要看到|也应看到|另外|此外|最后|针对|为此|对此|建议)"
)
_LEADING_TURN = re.compile(
    r"^(?:[，,：:\s]|但是?|不过|然而|同时|也要看到|也应看到|应当看到|应该看到|要看到|"
    r"我们也|我们|也)+"
)
_FILLER = re.compile(r"[\s，,：:。的是还有也一些方面工作中主要存在在着个别少数]")


@dataclass
class _List:
    family: str
    start: int
    items: list[_Item] = field(default_factory=list)
    end: int = -1

    @property
    def last_n(self) -> int:
        return len(self.items)


@dataclass
class _Item:
    start: int  # the marker
    body: int  # just after the marker
    end: int = -1
    lists: list[_List] = field(default_factory=list)

    def content_start(self) -> int:
        """Where the item's own text resumes after its nested lists."""
        return self.lists[-1].end if self.lists else self.body


def cn_number(word: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 二十三 → 23."""
    if "十" not in word:
        return _CN_DIGITS.get(word, 0) if len(word) == 1 else 0
    tens, _, units = word.partition("十")
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (
        _CN_DIGITS.get(units, 0) if units else 0
    )


def _markers(text: str) -> list[tuple[int, int, str, int]]:
    """(start, end, family, number) of each marker that stands at a boundary."""
    found = []
    for m in _MARKER.finditer(text):
        if m.start() > 0 and text[m.start() - 1] not in _BOUNDARY:
            continue
        family = m.lastgroup or ""
        raw = m.group(f"{family}_n")
        if family in ("arabic", "paren_ar"):
            number = int(raw)
        elif family == "circled":
            number = _CIRCLED.index(raw) + 1
        else:
            number = cn_number(raw)
        if number:
            found.append((m.start(), m.end(), family, number))
    return found


def _trim_point(text: str, start: int, stop: int) -> int | None:
    """Where an item's text running from `start` ends before `stop`, if it does."""
    before_start = text[:start].rstrip()
    ends_sentence = before_start[-1:] != "" and before_start[-1] in _TERMINATORS
    if ends_sentence and _TURN_AWAY.match(text, _skip_space(text, start, stop)):
        return start
    for i in range(start, stop):
        ch = text[i]
        if ch == "\n":
            before = text[start:i].rstrip()
            if before and before[-1] in _TERMINATORS:
                return i
            # A new line that starts with a marker ends the item, unless the item announced it.
            if before[-1:] not in ("：", ":") and _starts_with_marker(text, i + 1):
                return i
            if not before and i > 0 and text[:start].rstrip()[-1:] in tuple(_TERMINATORS):
                return start
        elif ch in _TERMINATORS and _TURN_AWAY.match(text, _skip_space(text, i + 1, stop)):
            return i + 1
    return None


def _starts_with_marker(text: str, i: int) -> bool:
    m = _MARKER.match(text, _skip_space(text, i, len(text)))
    return m is not None


def _skip_space(text: str, i: int, stop: int) -> int:
    while i < stop and text[i] in " \t\r\n\u3000":
        i += 1
    return i


def _close(text: str, lst: _List, stop: int) -> None:
    last = lst.items[-1]
    trimmed = _trim_point(text, last.content_start(), stop)
    last.end = trimmed if trimmed is not None else stop
    lst.end = last.end


def _parse(text: str) -> list[_List]:
    """The tree of enumerated lists in the text."""
    top: list[_List] = []
    stack: list[_List] = []
    for start, end, family, number in _markers(text):
        cont = next(
            (
                i
                for i in range(len(stack) - 1, -1, -1)
                if stack[i].family == family and stack[i].last_n + 1 == number
            ),
            None,
        )
        if cont is not None:
            while len(stack) > cont + 1:
                _close(text, stack.pop(), start)
            stack[cont].items[-1].end = start
            stack[cont].items.append(_Item(start, end))
            continue
        if number != 1:
            continue
        same = next((i for i, lst in enumerate(stack) if lst.family == family), None)
        if same is not None:
            while len(stack) > same:
                _close(text, stack.pop(), start)
        while stack and stack[-1].family not in _HEADINGS:
            item = stack[-1].items[-1]
            if _trim_point(text, item.content_start(), start) is None:
                break
            _close(text, stack.pop(), start)
        lst = _List(family, start, [_Item(start, end)])
        (stack[-1].items[-1].lists if stack else top).append(lst)
        stack.append(lst)
    while stack:
        _close(text, stack.pop(), len(text))
    return top


def _leads_to_problems(lead_in: str) -> bool:
    """True when the words just before a list announce problems rather than advice."""
    window = lead_in[-LEAD_IN_CHARS:]
    cues = [m for m in _CUES.finditer(window) if not _NOT_A_CUE.search(window[: m.start()])]
    if not cues:
        return False
    return not _NOT_PROBLEMS.search(window, cues[-1].end())


def _select(text: str, lists: list[_List], lead_start: int) -> list[_Item]:
    chosen: list[_Item] = []
    for lst in lists:
        if _leads_to_problems(text[lead_start : lst.start]):
            chosen.extend(lst.items)
        else:
            for item in lst.items:
                chosen.extend(_select(text, item.lists, item.body))
        lead_start = lst.end
    return chosen


def clean_item(raw: str) -> str:
    """An item's text on one line, without its trailing "；。" and stray leading punctuation."""
    lines = [line.strip(" \t\r\u3000") for line in raw.splitlines()]
    joined = ""
    for line in filter(None, lines):
        if joined and joined[-1] not in "。！？；;：:，,、!?":
            joined += "。"
        joined += line
    return joined.strip(" \t\u3000，,、：:").rstrip("；;。.，,、 \u3000")


def _covered(lists: list[_List], pos: int) -> bool:
    return any(lst.start <= pos < lst.end for lst in lists)


def _sentences(text: str) -> list[tuple[int, str]]:
    result, start = [], 0
    for m in _SENTENCE_END.finditer(text + "。"):
        if text[start : m.start()].strip():
            result.append((start, text[start : m.start()]))
        start = m.end()
    return result


def _single_problem(text: str, lists: list[_List]) -> list[str]:
    """The sentence that names a problem when no list does, or nothing."""
    sentences = _sentences(text)
    for index, (start, sentence) in enumerate(sentences):
        cue = _CUES.search(sentence)
        if cue is None or _covered(lists, start + cue.start()):
            continue
        if _NOT_A_CUE.search(sentence[: cue.start()]):
            continue
        candidate = clean_item(_LEADING_TURN.sub("", sentence.strip()))
        substance = _FILLER.sub("", _CUES.sub("", candidate))
        if len(substance) < 4 and index + 1 < len(sentences):
            candidate = clean_item(sentences[index + 1][1])
        return [candidate] if len(candidate) >= MIN_CHARS else []
    return []


def propose_problems(text: str) -> list[str]:
    """The problems a comment enumerates, in order, each without its marker; see the module."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lists = _parse(text)
    items = _select(text, lists, 0)
    if not items:
        # No list is announced as problems: a sentence that names one, else (a pasted list
        # of problems alone) every item of the outermost lists.
        single = _single_problem(text, lists)
        if single or not lists:
            return single
        items = [item for lst in lists for item in lst.items]
    proposals: list[str] = []
    for item in items:
        problem = clean_item(text[item.body : item.end])
        if problem and problem not in proposals:
            proposals.append(problem)
    return proposals


def strip_marker(line: str) -> str:
    """One listed problem without its leading marker ("1.", "（二）", "三是") and end stop."""
    line = line.strip()
    marker = _MARKER.match(line)
    if marker is not None:
        line = line[marker.end() :]
    return clean_item(line)
