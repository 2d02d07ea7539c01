"""Splitting a leader's comment into the problems it names (pure: no database)."""

import pytest

from meetings.problems import clean_item, cn_number, propose_problems, strip_marker


def test_the_problems_after_the_turn_are_proposed_and_the_affirmations_are_not():
    text = (
        "一年来，你们社区党委围绕中心抓党建，成效明显：一是网格化管理覆盖全面；二是党群服务中心"
        "利用率高。但也要看到，还存在一些问题和不足：一是“三会一课”记录不规范；二是发展党员"
        "把关不严，个别程序有缺项；三是党员志愿服务活动形式单一。希望你们认真对照，抓好整改。"
    )
    assert propose_problems(text) == [
        "“三会一课”记录不规范",
        "发展党员把关不严，个别程序有缺项",
        "党员志愿服务活动形式单一",
    ]


def test_an_outline_with_headings_proposes_the_numbered_problems_under_its_problem_heading():
    text = (
        "一、主要成绩\n"
        "全年召开党建专题会议6次，党组织书记带头讲党课。\n"
        "二、存在的问题\n"
        "1. 软弱涣散党组织整顿进度偏慢\n"
        "2、流动党员底数不清，管理存在盲区\n"
        "三、下一步打算\n"
        "1. 加强理论学习\n"
        "2. 规范组织生活\n"
    )
    assert propose_problems(text) == [
        "软弱涣散党组织整顿进度偏慢",
        "流动党员底数不清，管理存在盲区",
    ]


def test_nested_numbering_stays_inside_its_problem():
    text = (
        "存在的问题主要有：一是理论学习不够深入，（1）集中学习次数少，（2）学用结合不紧；"
        "二是阵地建设滞后。"
    )
    assert propose_problems(text) == [
        "理论学习不够深入，（1）集中学习次数少，（2）学用结合不紧",
        "阵地建设滞后",
    ]


def test_parenthesised_chinese_numbers_and_arabic_numbers_in_one_outline():
    text = (
        "（一）工作成效\n基层组织建设扎实推进。\n"
        "（二）存在不足\n1.党员发展计划执行不到位；\n2.组织生活质量不高。\n"
        "（三）整改打算\n一要加强学习；二要规范制度。"
    )
    assert propose_problems(text) == ["党员发展计划执行不到位", "组织生活质量不高"]


@pytest.mark.parametrize(
    "text",
    [
        "存在问题：第一，政治理论学习不系统；第二，阵地作用发挥不够。",
        "存在问题：一要正视政治理论学习不系统；二要正视阵地作用发挥不够。",
        "问题方面：①政治理论学习不系统 ②阵地作用发挥不够",
        "主要不足：(1)政治理论学习不系统；(2)阵地作用发挥不够。",
    ],
)
def test_every_kind_of_marker_is_read(text):
    problems = propose_problems(text)
    assert len(problems) == 2
    assert problems[0].endswith("政治理论学习不系统")
    assert problems[1].endswith("阵地作用发挥不够")


def test_advice_after_the_problems_is_not_part_of_the_last_problem():
    text = (
        "一是以培育亮点促提升；二是以规范促质量。同时，工作中还存在一些不足：1. 党员教育方式"
        "陈旧；2. 两新组织覆盖不全。针对上述问题，提几点建议：一要加强学习；二要抓好整改。"
    )
    assert propose_problems(text) == ["党员教育方式陈旧", "两新组织覆盖不全"]


def test_a_problem_list_ends_at_the_paragraph_that_looks_back_on_it():
    text = (
        "二、正视存在的问题\n对照从严治党要求，还存在一些问题，需要引起重视。\n"
        "一是党员教育管理需要加强。以会代教，方法单调。\n"
        "二是两新组织党组织覆盖率不高。\n"
        "这些问题，有的是老问题，有的是新表现。\n"
        "三、几点建议\n一是增强管党治党意识。\n二是严肃党内政治生活。"
    )
    assert propose_problems(text) == [
        "党员教育管理需要加强。以会代教，方法单调",
        "两新组织党组织覆盖率不高",
    ]


def test_affirmations_that_mention_solved_problems_are_not_taken_for_problems():
    text = (
        "去年以来，党工委狠抓薄弱环节，解决突出问题，取得显著成效，主要有几个特点：\n"
        "一是落实责任过得硬。\n二是工作重点抓得实。\n"
        "但也要看到不足：\n一是党建创新思路欠缺。\n二是党建品牌影响力不大。"
    )
    assert propose_problems(text) == ["党建创新思路欠缺", "党建品牌影响力不大"]


def test_a_comment_without_markers_gives_the_sentence_that_names_the_problem():
    text = "你们工作扎实，成效明显。但也要看到，党员教育方式单一，活动吸引力不强。"
    assert propose_problems(text) == ["党员教育方式单一，活动吸引力不强"]


def test_a_sentence_that_only_announces_problems_gives_the_next_sentence():
    text = "但也要看到存在的不足。主要是阵地建设滞后，党员活动经费保障不足。"
    assert propose_problems(text) == ["主要是阵地建设滞后，党员活动经费保障不足"]


@pytest.mark.parametrize("text", ["", "好。", "有问题。", "工作扎实，群众满意度高，值得肯定。"])
def test_short_texts_and_pure_praise_propose_nothing(text):
    assert propose_problems(text) == []


def test_a_pasted_list_of_problems_alone_is_proposed_whole():
    assert propose_problems("一是理论学习不深入；\r\n二是阵地建设滞后。") == [
        "理论学习不深入",
        "阵地建设滞后",
    ]


def test_words_that_look_like_markers_inside_sentences_are_not_markers():
    text = "存在的问题：一是第一书记驻村时间不足；二是统一是非标准不够，2.5个百分点的差距未缩小。"
    assert propose_problems(text) == [
        "第一书记驻村时间不足",
        "统一是非标准不够，2.5个百分点的差距未缩小",
    ]


def test_the_same_problem_twice_is_proposed_once():
    assert propose_problems("问题：1. 台账不规范；2. 台账不规范；3. 制度执行不严") == [
        "台账不规范",
        "制度执行不严",
    ]


def test_chinese_numbers_are_read_up_to_the_twenties():
    assert [cn_number(w) for w in ["一", "九", "十", "十二", "二十", "二十三"]] == [
        1,
        9,
        10,
        12,
        20,
        23,
    ]


def test_an_item_is_cleaned_of_breaks_and_end_punctuation():
    assert clean_item("，党员教育不够\n具体表现为学习少；\n") == "党员教育不够。具体表现为学习少"
    assert strip_marker("（二）阵地建设滞后。") == "阵地建设滞后"
    assert strip_marker("3、学习不够；") == "学习不够"
    assert strip_marker("学习不够") == "学习不够"
