//! Branch and office words ("大阪支店", "渋谷店") cut from the end of a posted name.

/// Office words that only ever name a part of a company, so they may be glued to the name
/// ("プライム渋谷支社").
pub(super) const BRANCH_WORDS: &[&str] = &[
    "営業本部",
    "支店",
    "営業所",
    "支社",
    "出張所",
    "事業所",
    "事業部",
    "営業部",
    "本社",
    "本店",
    "工場",
    "本部",
    "支部",
    "分室",
    "分店",
    "採用担当",
    "採用係",
    "採用事務局",
    "人事部",
    "人事課",
    "総務部",
    "総務課",
];

/// Words that end many registered names too ("…商店", "…センター"), so they only count as a
/// branch when written as a separate word ("ABC 渋谷店").
const BRANCH_WORDS_SEPARATE: &[&str] = &[
    "店",
    "センター",
    "グループ",
    "オフィス",
    "事務所",
    "ステーション",
    "倉庫",
    "部",
    "課",
    "係",
    "担当",
    "事務局",
    // A facility a corporation runs, after its name ("医療法人社団 ABC会 ABCクリニック").
    "クリニック",
    "病院",
    "医院",
    "診療所",
    "保育園",
    "幼稚園",
];

/// Words that may end a registered name but, glued to a name that is registered without
/// them, usually name a site ("朝日工務店世田谷センター"). The engine tries the name without
/// them as a second choice.
pub const GLUED_SITE_WORDS: &[&str] = &["センター", "グループ", "オフィス"];

/// The name, the branch words cut from its end, and whether they were glued to it.
/// `weak`: also the words that end registered names too, when written apart.
pub(super) fn split_branch(name: &str, weak: bool) -> (&str, Option<&str>, bool) {
    if let Some((before, last)) = name.rsplit_once(' ') {
        let before = before.trim_end();
        let weak_words = if weak { BRANCH_WORDS_SEPARATE } else { &[] };
        let is_branch = BRANCH_WORDS
            .iter()
            .chain(weak_words)
            .any(|w| last.ends_with(w));
        if is_branch && !before.is_empty() {
            return (before, Some(last), false);
        }
    }
    for w in BRANCH_WORDS {
        if let Some(before) = name.strip_suffix(w)
            && before.chars().count() >= 2
        {
            return (before.trim_end(), Some(w), true);
        }
    }
    (name, None, false)
}
