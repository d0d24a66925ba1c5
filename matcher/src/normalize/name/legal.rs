//! The legal-form table: every spelling a partner uses for the kind of entity (株式会社,
//! (株), ㈱, カブシキガイシャ, K.K., Co., Ltd., …) mapped to one canonical form.
//!
//! Patterns are written in the folded text's alphabet (NFKC, latin lower-cased, spaces
//! single), because ㈱ and （株） must already have become "(株)" before we compare.

/// (pattern, canonical form). Longer patterns come first where one contains another so that
/// "医療法人社団" wins over "医療法人".
/// The canonical form of the generic English legal forms (see [`ENGLISH`]).
pub const ENGLISH_GENERIC: &str = "Co., Ltd.";

pub(super) const JAPANESE: &[(&str, &str)] = &[
    ("特定非営利活動法人", "特定非営利活動法人"),
    ("地方独立行政法人", "独立行政法人"),
    ("独立行政法人", "独立行政法人"),
    ("社会保険労務士法人", "社会保険労務士法人"),
    ("有限責任事業組合", "有限責任事業組合"),
    ("一般社団法人", "一般社団法人"),
    ("一般財団法人", "一般財団法人"),
    ("公益社団法人", "公益社団法人"),
    ("公益財団法人", "公益財団法人"),
    ("社会福祉法人", "社会福祉法人"),
    ("社会医療法人", "医療法人"),
    ("医療法人社団", "医療法人"),
    ("医療法人財団", "医療法人"),
    ("国立大学法人", "国立大学法人"),
    ("農事組合法人", "農事組合法人"),
    ("司法書士法人", "司法書士法人"),
    ("行政書士法人", "行政書士法人"),
    ("特許業務法人", "特許業務法人"),
    ("医療法人", "医療法人"),
    ("学校法人", "学校法人"),
    ("宗教法人", "宗教法人"),
    ("弁護士法人", "弁護士法人"),
    ("税理士法人", "税理士法人"),
    ("監査法人", "監査法人"),
    ("社団法人", "一般社団法人"),
    ("財団法人", "一般財団法人"),
    ("npo法人", "特定非営利活動法人"),
    ("株式会社", "株式会社"),
    ("有限会社", "有限会社"),
    ("合同会社", "合同会社"),
    ("合資会社", "合資会社"),
    ("合名会社", "合名会社"),
    ("相互会社", "相互会社"),
    // Spelled out in katakana (half-width ｶﾌﾞｼｷｶﾞｲｼｬ becomes this after NFKC).
    ("カブシキガイシャ", "株式会社"),
    ("カブシキカイシャ", "株式会社"),
    ("ユウゲンガイシャ", "有限会社"),
    ("ユウゲンカイシャ", "有限会社"),
    ("ゴウドウガイシャ", "合同会社"),
    ("ゴウドウカイシャ", "合同会社"),
    ("ゴウシガイシャ", "合資会社"),
    ("ゴウメイガイシャ", "合名会社"),
    // Parenthesised abbreviations; ㈱ ㈲ ㈾ ㈴ ㈶ ㈳ and （株） all fold to these under NFKC.
    ("(特非)", "特定非営利活動法人"),
    ("(npo)", "特定非営利活動法人"),
    ("(一社)", "一般社団法人"),
    ("(一財)", "一般財団法人"),
    ("(公社)", "公益社団法人"),
    ("(公財)", "公益財団法人"),
    ("(社福)", "社会福祉法人"),
    ("(医社)", "医療法人"),
    ("(医財)", "医療法人"),
    ("(株)", "株式会社"),
    ("(有)", "有限会社"),
    ("(同)", "合同会社"),
    ("(資)", "合資会社"),
    ("(名)", "合名会社"),
    ("(医)", "医療法人"),
    ("(福)", "社会福祉法人"),
    ("(学)", "学校法人"),
    ("(宗)", "宗教法人"),
    ("(社)", "一般社団法人"),
    ("(財)", "一般財団法人"),
    ("(独)", "独立行政法人"),
];

/// Abbreviations that only ever come before the name: bank-transfer style (全銀協 kana,
/// "カ)ヤマダ"), a kanji abbreviation with only its closing parenthesis ("医)悠裕会"), and the
/// unbracketed short forms of 法人 kinds ("社福明心会", "一社日本…協会"). After the name
/// they would be ordinary words ("…住宅供給公社").
pub(super) const PREFIX_ONLY: &[(&str, &str)] = &[
    ("医社)", "医療法人"),
    ("社福)", "社会福祉法人"),
    ("株)", "株式会社"),
    ("有)", "有限会社"),
    ("医)", "医療法人"),
    ("福)", "社会福祉法人"),
    ("学)", "学校法人"),
    ("宗)", "宗教法人"),
    ("財)", "一般財団法人"),
    ("社)", "一般社団法人"),
    ("社福", "社会福祉法人"),
    ("一社", "一般社団法人"),
    ("一財", "一般財団法人"),
    ("公社", "公益社団法人"),
    ("公財", "公益財団法人"),
    ("特非", "特定非営利活動法人"),
    ("カ)", "株式会社"),
    ("ユ)", "有限会社"),
    ("ド)", "合同会社"),
    ("シヤ)", "一般社団法人"),
    ("ザイ)", "一般財団法人"),
    ("イ)", "医療法人"),
    ("フク)", "社会福祉法人"),
];
/// ... and the same after the name, with only the opening parenthesis: "ヤマダ(カ", "山田商事(株".
pub(super) const SUFFIX_ONLY: &[(&str, &str)] = &[
    ("(株", "株式会社"),
    ("(有", "有限会社"),
    ("(医", "医療法人"),
    ("(福", "社会福祉法人"),
    ("(カ", "株式会社"),
    ("(ユ", "有限会社"),
    ("(ド", "合同会社"),
];

/// English legal forms. They only count at a word boundary, so "kk" inside "abckk" stays.
/// "Co., Ltd.", "Inc." and the like translate 株式会社 and 有限会社 alike, so they keep an
/// English canonical form that agrees or disagrees with no Japanese one; K.K., G.K. and Y.K.
/// name one form each.
pub(super) const ENGLISH: &[(&str, &str)] = &[
    ("company limited", "Co., Ltd."),
    ("co., ltd.", "Co., Ltd."),
    ("co.,ltd.", "Co., Ltd."),
    ("co., ltd", "Co., Ltd."),
    ("co.,ltd", "Co., Ltd."),
    ("co. ltd.", "Co., Ltd."),
    ("co.ltd.", "Co., Ltd."),
    ("co. ltd", "Co., Ltd."),
    ("co.ltd", "Co., Ltd."),
    ("co ltd", "Co., Ltd."),
    ("co., limited", "Co., Ltd."),
    ("corporation", "Co., Ltd."),
    ("incorporated", "Co., Ltd."),
    ("limited", "Co., Ltd."),
    ("corp.", "Co., Ltd."),
    ("corp", "Co., Ltd."),
    ("inc.", "Co., Ltd."),
    ("inc", "Co., Ltd."),
    ("ltd.", "Co., Ltd."),
    ("ltd", "Co., Ltd."),
    ("k.k.", "株式会社"),
    ("k.k", "株式会社"),
    ("kk", "株式会社"),
    ("l.l.c.", "合同会社"),
    ("llc.", "合同会社"),
    ("llc", "合同会社"),
    ("g.k.", "合同会社"),
    ("gk", "合同会社"),
    ("y.k.", "有限会社"),
];
