"""Every problem the knowledge-base loader reports, in one table of Chinese and English.

Messages about YAML itself and about single fields live in `bot.yamlmessages`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from bot.text import Text
from bot.yamlfile import Problem
from bot.yamlfile import say as say_yaml

MESSAGES = {
    # the folder and its files
    "no_directory": Text(zh="知识库文件夹不存在", en="knowledge directory does not exist"),
    "unreadable_directory": Text(
        zh="读不了这个文件夹({reason})", en="cannot list the folder ({reason})"
    ),
    "no_committees": Text(zh="没有居委文件", en="no committee files"),
    "not_committee_file": Text(
        zh="不是居委文件:这里只读 .yaml 或 .yml 文件,所以这个居委现在缺了;"
        "请把文件名改回来,或者把它移出 committees/",
        en="not a committee file: only .yaml or .yml files are read here, so this committee "
        "is missing; rename it back, or move it out of committees/",
    ),
    "committee_twice": Text(
        zh="居委 '{committee}' 写了两次({first} 和这个文件)",
        en="committee '{committee}' is written twice ({first} and this file)",
    ),
    "committee_count": Text(
        zh="应该有 {expected} 个居委,但 committees/ 里有 {found} 个;是不是有文件改了名或被删了?"
        "(如果街道现在确实有 {found} 个居委,就改这个数字)",
        en="{expected} committees expected, but committees/ holds {found}; was a file renamed "
        "or deleted? (if the street really has {found} now, change this number)",
    ),
    # the several-streets layout (streets/<street>/)
    "no_streets": Text(zh="streets/ 里没有街道文件夹", en="streets/ holds no street folder"),
    "not_street_folder": Text(
        zh="streets/ 里只放街道文件夹(每个街道一个,里面有 street.yaml 和 committees/)",
        en="only street folders belong in streets/ (one per street, each with street.yaml "
        "and committees/)",
    ),
    "shared_in_street": Text(
        zh="这个文件对所有街道都适用,要放在知识库最上层,不放在街道文件夹里",
        en="this file applies to every street: it belongs at the top of the knowledge "
        "folder, not in a street's folder",
    ),
    "top_level_street": Text(
        zh="有 streets/ 文件夹时,街道和居委的文件要放在 streets/<街道>/ 里",
        en="with a streets/ folder, street and committee files belong in streets/<street>/",
    ),
    # fields
    "not_count": Text(zh="应该是大于 0 的整数", en="should be a whole number above 0"),
    "not_word_groups": Text(
        zh="应该是一组一组词的列表,每组写成 [词, 词]", en="should be a list of word lists"
    ),
    "word_in_two_groups": Text(
        zh="'{word}' 已经在另一组里了", en="'{word}' is already in another group"
    ),
    "related_not_a_group_word": Text(
        zh="'{word}' 不在任何一组同义词里;相近的话题只能写 groups 里有的词",
        en="'{word}' is in no group; related topics may only name words of the groups",
    ),
    "one_overview": Text(
        zh="要有且只有一条服务写 'overview: true'",
        en="exactly one fact should have 'overview: true'",
    ),
    "not_fact_list": Text(zh="应该是服务条目的列表", en="should be a list of facts"),
    # across files
    "id_used": Text(
        zh="id '{fact_id}' 已经在 {place} 用过了", en="id '{fact_id}' is already used at {place}"
    ),
    "name_shared": Text(
        zh="名称 '{name}' 被几个居委同时使用:{committees}",
        en="the name '{name}' is used by several committees: {committees}",
    ),
    "unknown_reference": Text(
        zh="未知的{kind} '{value}'{hint};它必须在 street.yaml 里定义",
        en="unknown {kind} '{value}'{hint}; it must be defined in street.yaml",
    ),
    # colloquial.yaml
    "not_word_mapping": Text(
        zh="应该是一行行的“说法: 普通话词”", en="should be a mapping of 'word: Mandarin word(s)'"
    ),
    "not_one_word": Text(
        zh="左边应该是一个词(中间不能有空格)", en="the left side should be one word"
    ),
    "asking_word_case": Text(
        zh="英文问法请用小写(问题会先转成小写再比较)",
        en="write English asking words in lower case (questions are lower-cased first)",
    ),
    "maps_onto_itself": Text(zh="左右两边是同一个词", en="maps a word onto itself"),
    "word_listed": Text(
        zh="'{word}' 已经写过了(第 {first} 行)", en="'{word}' is already listed (line {first})"
    ),
    "maps_onto_mapped": Text(
        zh="右边的 '{part}' 自己也写在左边,请直接写它对应的普通话词",
        en="maps onto '{part}', which is itself mapped",
    ),
    # emergencies (street.yaml's emergency:, emergency.yaml) and hand-offs (handoff.yaml)
    "not_phone_number": Text(zh="电话号码只能写数字", en="a phone number is digits only"),
    "not_text_pair": Text(
        zh="应该写成 zh: 中文 和 en: 英文 两行", en="should have a zh: and an en: line"
    ),
    "emergency_without_numbers": Text(
        zh="street.yaml 里没有 emergency: 紧急电话,这些词就没有号码可给",
        en="street.yaml has no emergency: numbers for these words to give",
    ),
    "subjects_need_states": Text(
        zh="subjects 和 states 要一起写:状态词只在“谁”后面才算(老人 + 摔倒)",
        en="subjects and states go together: a state counts only after a subject",
    ),
    # calibration.yaml (written by `python -m bot calibrate`)
    "not_weights": Text(zh="应该是一组“特征: 权重”", en="should be a mapping of feature: weight"),
    "unknown_feature": Text(zh="未知的特征 '{name}'", en="unknown feature '{name}'"),
    "not_number": Text(zh="应该是数字", en="should be a number"),
    "far_outside": Text(
        zh="远远超出任何拟合结果的范围(-1000 到 1000)",
        en="is far outside any fitted range (-1000 to 1000)",
    ),
    "not_probability": Text(
        zh="应该是 0 到 1 之间的概率", en="should be a probability from 0 to 1"
    ),
    # teaching (bot/kb/teach.py): why a teach or an undo wrote nothing
    "teach_empty": Text(zh="问题是空的,没有可以学的", en="the question is empty; nothing to teach"),
    "teach_too_long": Text(
        zh="问题有 {length} 个字,一句问法最多 {limit} 个字",
        en="the question is {length} characters long; a phrasing may have at most {limit}",
    ),
    "teach_unknown_fact": Text(
        zh="没有 id 为 '{fact_id}' 的条目{hint}", en="unknown fact id '{fact_id}'{hint}"
    ),
    "teach_invalid_already": Text(
        zh="知识库现在就有错,请先改好(python -m bot check):\n{problems}",
        en="the knowledge base is invalid already; fix it first (python -m bot check):\n{problems}",
    ),
    "teach_would_be_invalid": Text(
        zh="没有写入:这样改完,知识库会有错:\n{problems}",
        en="refused: the knowledge base would be invalid after this edit:\n{problems}",
    ),
    "teach_not_read_back": Text(
        zh="{file}:改完以后读回来的内容不对", en="{file}: the edit did not read back as intended"
    ),
    "teach_kept_changing": Text(
        zh="{file} 在修改时一直被别人改动;请再试一次",
        en="{file} kept changing while it was edited; try again",
    ),
    "teach_not_utf8": Text(
        zh="{file} 不是 UTF-8 编码的文本;请另存为 UTF-8",
        en="{file} is not UTF-8 text; save it as UTF-8",
    ),
    "teach_other_lines": Text(
        zh="{file}:这次修改会改动文件里的其他行(它的排版不常见);"
        "请手工添加这句问法,再运行 python -m bot check",
        en="{file}: this edit would change other lines of the file (its layout is unusual); "
        "add the phrasing by hand and run python -m bot check",
    ),
    "teach_not_yaml": Text(
        zh="读不了这个 YAML 文件:{reason}", en="cannot read the file as YAML: {reason}"
    ),
    "teach_unusual_layout": Text(
        zh="{file}:{line}:这一句问法不是单独一行的“- 问法”;请手工添加这句问法,"
        "再运行 python -m bot check",
        en="{file}:{line}: this phrasing is not a line of its own ('- …'); add the phrasing "
        "by hand and run python -m bot check",
    ),
    "teach_busy": Text(
        zh="{file} 正在被另一个教学程序修改;请稍后再试",
        en="{file} is being taught by another process; try again in a moment",
    ),
    "teach_impossible_value": Text(
        zh="“{phrasing}”在 YAML 里会被读成日期,却不是真实的日期;请换一种写法(比如加上文字)",
        en="“{phrasing}” reads as a date in YAML but is no real date; word it differently "
        "(add some words)",
    ),
    "teach_no_phrasings": Text(
        zh="{file}:条目 '{fact_id}' 没有 phrasings.{lang} 列表",
        en="{file}: fact '{fact_id}' has no list phrasings.{lang}",
    ),
    "teach_one_line": Text(
        zh="{file}:'{fact_id}' 的 phrasings.{lang} 写在了一行里([…]);"
        "请改成每行一句('- …'),才能自动添加问法",
        en="{file}: phrasings.{lang} of '{fact_id}' is written on one line ([…]); "
        "write it one phrasing per line ('- …') so that a phrasing can be added",
    ),
    "teach_multiline": Text(
        zh="{file}:问法“{phrasing}”跨了好几行;请手工删除",
        en="{file}: the phrasing “{phrasing}” spans several lines; remove it by hand",
    ),
    "draft_not_served": Text(
        zh="这是一条草稿(draft: true),不会回答居民;审核后删掉这一行,或用 "
        "python -m bot import --publish 发布",
        en="this is a draft (draft: true) and is not served; review it, then remove this "
        "line or publish it with python -m bot import --publish",
    ),
    "publish_unknown_draft": Text(
        zh="没有 id 为 '{draft_id}' 的草稿{hint}", en="no draft with id '{draft_id}'{hint}"
    ),
    "publish_unknown_committee": Text(
        zh="草稿 '{draft_id}' 的居委 '{committee}' 不在知识库里",
        en="draft '{draft_id}' names committee '{committee}', which the base does not have",
    ),
    "publish_id_taken": Text(
        zh="已经有 id 为 '{draft_id}' 的条目了;请在草稿里换一个 id",
        en="a fact with id '{draft_id}' exists already; give the draft another id",
    ),
    "publish_unreadable": Text(
        zh="读不了草稿文件 {file}:{reason}", en="cannot read the drafts file {file}: {reason}"
    ),
    "publish_unusual_layout": Text(
        zh="{file} 的排版不常见(缩进混用、行尾空格或 ---/... 标记?),程序原样写回会改动别的行;"
        "请手工把草稿复制进去,再运行 python -m bot check",
        en="{file} has an unusual layout (mixed indentation, trailing spaces or ---/... "
        "markers?): writing it back would change other lines; copy the draft in by hand "
        "and run python -m bot check",
    ),
}
"""Every message the knowledge-base loader (and teaching) gives an admin."""

KINDS = {
    "tag": Text(zh="标签", en="tag"),
    "theme": Text(zh="主题", en="theme"),
    "source": Text(zh="出处", en="source"),
    "fact": Text(zh="条目", en="fact"),
    "emergency_kind": Text(
        zh="紧急情况种类(street.yaml 的 emergency.numbers)", en="emergency kind"
    ),
}
"""What an unknown reference was meant to name."""


def say(name: str, /, **values: Any) -> Text:
    """The message `name` of `MESSAGES`, filled in, in both languages."""
    return MESSAGES[name].fill(**values)


def problem_lines(problems: Iterable[Problem]) -> Text:
    """Problems one per line, indented, in both languages."""
    listed = list(problems)
    return Text(
        zh="\n".join(f"  {problem.in_lang('zh')}" for problem in listed),
        en="\n".join(f"  {problem.in_lang('en')}" for problem in listed),
    )


def unknown(kind: str, value: str, known: Iterable[str]) -> Text:
    """An unknown reference, with the closest known name as a hint."""
    close = difflib.get_close_matches(value, list(known), n=1)
    hint = say_yaml("did_you_mean", name=close[0]) if close else ""
    return say("unknown_reference", kind=KINDS[kind], value=value, hint=hint)
