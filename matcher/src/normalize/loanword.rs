//! English words written in katakana and back: partners write "Global Systems" for
//! グローバルシステムズ株式会社, "ブリッジ" for ＢＲＩＤＧＥ株式会社, "takecreate" for タケクリエイト.
//! A name is cut into known loanwords, letters read aloud (ジーディーユー = GDU) and romaji
//! syllables, preferring the fewest pieces, so the other script's spelling can be looked up.

use std::borrow::Cow;

use super::kana::{LETTERS, katakana_to_latin, syllable_kana};
use super::name::is_katakana;

/// Writes a latin name key in katakana: loanwords from the table, the rest as romaji.
/// None unless at least one loanword is used (plain romaji has its own index) and every
/// letter is accounted for.
pub fn latin_to_katakana(latin: &str) -> Option<String> {
    if latin.is_empty() || !latin.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    segment(latin, |rest| {
        let mut pieces = loanwords_at(rest, |&(en, ka)| (en, ka));
        pieces.extend(romaji_syllable(rest).map(|(len, ka)| Piece::syllable(len, ka)));
        pieces
    })
}

/// Reads a katakana name key as latin letters: loanwords as their English word, letter
/// names as letters, the rest romanised. None unless a loanword or a letter name is used.
pub fn katakana_to_english(kana: &str) -> Option<String> {
    if kana.is_empty() || !kana.chars().all(|c| is_katakana(c) || c == 'ー') {
        return None;
    }
    segment(kana, |rest| {
        let mut pieces = loanwords_at(rest, |&(en, ka)| (ka, en));
        pieces.extend(
            ('a'..='z')
                .zip(LETTERS)
                .filter(|(_, name)| rest.starts_with(name))
                .map(|(letter, name)| Piece::word(name.len(), letter.to_string())),
        );
        // One mora, with the small kana or long-vowel marks that follow it, romanised.
        let end = rest
            .char_indices()
            .skip(1)
            .find(|(_, c)| {
                !matches!(
                    c,
                    'ァ' | 'ィ' | 'ゥ' | 'ェ' | 'ォ' | 'ャ' | 'ュ' | 'ョ' | 'ー'
                )
            })
            .map_or(rest.len(), |(i, _)| i);
        pieces.extend(katakana_to_latin(&rest[..end]).map(|r| Piece::syllable(end, r)));
        pieces
    })
}

/// The loanwords `rest` starts with, each as a piece in the other script: `way` orders an
/// (English, katakana) pair as (what is read, what it becomes).
fn loanwords_at(
    rest: &str,
    way: fn(&(&'static str, &'static str)) -> (&'static str, &'static str),
) -> Vec<Piece> {
    LOANWORDS
        .iter()
        .map(way)
        .filter(|(from, _)| rest.starts_with(from))
        .map(|(from, to)| Piece::word(from.len(), to))
        .collect()
}

/// One way to read the text at a position: the bytes it takes and what they become.
struct Piece {
    len: usize,
    /// A known word or letter name, as against a syllable spelt out.
    word: bool,
    text: Cow<'static, str>,
}

impl Piece {
    fn word(len: usize, text: impl Into<Cow<'static, str>>) -> Self {
        Self {
            len,
            word: true,
            text: text.into(),
        }
    }

    fn syllable(len: usize, text: impl Into<Cow<'static, str>>) -> Self {
        Self {
            len,
            word: false,
            text: text.into(),
        }
    }

    /// A word counts as one piece, a spelt-out syllable as two: the fewest words win.
    fn cost(&self) -> u32 {
        if self.word { 1 } else { 2 }
    }
}

/// The cheapest reading of the whole text, made of the pieces `pieces_at` offers at each
/// position (ties go to more words); None when no reading covers it or it uses no word.
fn segment(text: &str, pieces_at: impl Fn(&str) -> Vec<Piece>) -> Option<String> {
    let n = text.len();
    // best[i]: (cost, words used, reading) of text[..i].
    let mut best: Vec<Option<(u32, u32, String)>> = vec![None; n + 1];
    best[0] = Some((0, 0, String::new()));
    for i in 0..n {
        let Some((cost, words, reading)) = best[i].clone() else {
            continue;
        };
        for piece in pieces_at(&text[i..]) {
            let cand = (
                cost + piece.cost(),
                words + u32::from(piece.word),
                format!("{reading}{}", piece.text),
            );
            let end = i + piece.len;
            let better = best[end].as_ref().is_none_or(|(c, w, _)| {
                (cand.0, std::cmp::Reverse(cand.1)) < (*c, std::cmp::Reverse(*w))
            });
            if better {
                best[end] = Some(cand);
            }
        }
    }
    best[n]
        .take()
        .filter(|(_, words, _)| *words > 0)
        .map(|(_, _, reading)| reading)
}

/// One romaji syllable at the start of `s` as katakana, with its length in letters: "kyo",
/// "shi", "n" before a consonant, a doubled consonant as ッ.
fn romaji_syllable(s: &str) -> Option<(usize, &'static str)> {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b[1] && !b"aeioun".contains(&b[0]) {
        return Some((1, "ッ"));
    }
    for len in [3, 2, 1] {
        if let Some(ka) = s.get(..len).and_then(syllable_kana) {
            return Some((len, ka));
        }
    }
    if b[0] == b'n' && (b.len() == 1 || !b"aeiouy".contains(&b[1])) {
        return Some((1, "ン"));
    }
    None
}

/// English words common in company names and their usual katakana, longest spellings of a
/// word first so that "systems" is not read as "system" + "s".
const LOANWORDS: &[(&str, &str)] = &[
    ("international", "インターナショナル"),
    ("communications", "コミュニケーションズ"),
    ("communication", "コミュニケーション"),
    ("technologies", "テクノロジーズ"),
    ("technology", "テクノロジー"),
    ("engineering", "エンジニアリング"),
    ("consulting", "コンサルティング"),
    ("solutions", "ソリューションズ"),
    ("solution", "ソリューション"),
    ("management", "マネジメント"),
    ("networks", "ネットワークス"),
    ("network", "ネットワーク"),
    ("marketing", "マーケティング"),
    ("logistics", "ロジスティクス"),
    ("innovation", "イノベーション"),
    ("corporation", "コーポレーション"),
    ("creative", "クリエイティブ"),
    ("partners", "パートナーズ"),
    ("partner", "パートナー"),
    ("planning", "プランニング"),
    ("products", "プロダクツ"),
    ("production", "プロダクション"),
    ("promotion", "プロモーション"),
    ("resources", "リソーシズ"),
    ("services", "サービシズ"),
    ("service", "サービス"),
    ("security", "セキュリティ"),
    ("software", "ソフトウェア"),
    ("systems", "システムズ"),
    ("system", "システム"),
    ("trading", "トレーディング"),
    ("trade", "トレード"),
    ("holdings", "ホールディングス"),
    ("factory", "ファクトリー"),
    ("frontier", "フロンティア"),
    ("global", "グローバル"),
    ("digital", "デジタル"),
    ("design", "デザイン"),
    ("create", "クリエイト"),
    ("creation", "クリエイション"),
    ("energy", "エナジー"),
    ("medical", "メディカル"),
    ("media", "メディア"),
    ("support", "サポート"),
    ("select", "セレクト"),
    ("standard", "スタンダード"),
    ("station", "ステーション"),
    ("studio", "スタジオ"),
    ("office", "オフィス"),
    ("works", "ワークス"),
    ("work", "ワーク"),
    ("field", "フィールド"),
    ("bridge", "ブリッジ"),
    ("legacy", "レガシー"),
    ("terra", "テラ"),
    ("link", "リンク"),
    ("links", "リンクス"),
    ("next", "ネクスト"),
    ("smart", "スマート"),
    ("sky", "スカイ"),
    ("star", "スター"),
    ("sun", "サン"),
    ("green", "グリーン"),
    ("blue", "ブルー"),
    ("life", "ライフ"),
    ("home", "ホーム"),
    ("house", "ハウス"),
    ("world", "ワールド"),
    ("japan", "ジャパン"),
    ("nippon", "ニッポン"),
    ("tokyo", "トウキョウ"),
    ("osaka", "オオサカ"),
    ("asia", "アジア"),
    ("pacific", "パシフィック"),
    ("east", "イースト"),
    ("west", "ウエスト"),
    ("north", "ノース"),
    ("south", "サウス"),
    ("central", "セントラル"),
    ("first", "ファースト"),
    ("prime", "プライム"),
    ("premium", "プレミアム"),
    ("royal", "ロイヤル"),
    ("total", "トータル"),
    ("best", "ベスト"),
    ("good", "グッド"),
    ("happy", "ハッピー"),
    ("lucky", "ラッキー"),
    ("luck", "ラック"),
    ("hope", "ホープ"),
    ("dream", "ドリーム"),
    ("future", "フューチャー"),
    ("vision", "ビジョン"),
    ("power", "パワー"),
    ("plus", "プラス"),
    ("max", "マックス"),
    ("one", "ワン"),
    ("step", "ステップ"),
    ("up", "アップ"),
    ("unity", "ユニティ"),
    ("union", "ユニオン"),
    ("core", "コア"),
    ("base", "ベース"),
    ("craft", "クラフト"),
    ("art", "アート"),
    ("arts", "アーツ"),
    ("farm", "ファーム"),
    ("food", "フード"),
    ("foods", "フーズ"),
    ("fresh", "フレッシュ"),
    ("clean", "クリーン"),
    ("care", "ケア"),
    ("net", "ネット"),
    ("web", "ウェブ"),
    ("tech", "テック"),
    ("labo", "ラボ"),
    ("lab", "ラボ"),
    ("seed", "シード"),
    ("seeds", "シーズ"),
    ("tree", "ツリー"),
    ("forest", "フォレスト"),
    ("ocean", "オーシャン"),
    ("marine", "マリン"),
    ("earth", "アース"),
    ("planet", "プラネット"),
    ("space", "スペース"),
    ("light", "ライト"),
    ("bright", "ブライト"),
    ("sunrise", "サンライズ"),
    ("rise", "ライズ"),
    ("road", "ロード"),
    ("way", "ウェイ"),
    ("gate", "ゲート"),
    ("port", "ポート"),
    ("point", "ポイント"),
    ("plaza", "プラザ"),
    ("park", "パーク"),
    ("city", "シティ"),
    ("town", "タウン"),
    ("land", "ランド"),
    ("group", "グループ"),
    ("team", "チーム"),
    ("club", "クラブ"),
    ("company", "カンパニー"),
    ("auto", "オート"),
    ("motor", "モーター"),
    ("motors", "モーターズ"),
    ("car", "カー"),
    ("drive", "ドライブ"),
    ("express", "エクスプレス"),
    ("transport", "トランスポート"),
    ("cargo", "カーゴ"),
    ("estate", "エステート"),
    ("real", "リアル"),
    ("build", "ビルド"),
    ("building", "ビルディング"),
    ("construction", "コンストラクション"),
    ("housing", "ハウジング"),
    ("reform", "リフォーム"),
    ("interior", "インテリア"),
    ("style", "スタイル"),
    ("beauty", "ビューティー"),
    ("fashion", "ファッション"),
    ("health", "ヘルス"),
    ("fitness", "フィットネス"),
    ("sports", "スポーツ"),
    ("music", "ミュージック"),
    ("entertainment", "エンターテインメント"),
    ("education", "エデュケーション"),
    ("academy", "アカデミー"),
    ("school", "スクール"),
    ("agent", "エージェント"),
    ("agency", "エージェンシー"),
    ("career", "キャリア"),
    ("staff", "スタッフ"),
    ("human", "ヒューマン"),
    ("people", "ピープル"),
    ("value", "バリュー"),
    ("quality", "クオリティ"),
    ("matrix", "マトリックス"),
    ("data", "データ"),
    ("info", "インフォ"),
    ("cloud", "クラウド"),
    ("mobile", "モバイル"),
    ("electric", "エレクトリック"),
    ("electronics", "エレクトロニクス"),
    ("machine", "マシン"),
    ("metal", "メタル"),
    ("steel", "スチール"),
    ("chemical", "ケミカル"),
    ("pharma", "ファーマ"),
    ("bio", "バイオ"),
    ("eco", "エコ"),
    ("nature", "ネイチャー"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_names_are_written_in_their_usual_katakana() {
        assert_eq!(
            latin_to_katakana("globalsystems").as_deref(),
            Some("グローバルシステムズ")
        );
        assert_eq!(latin_to_katakana("select").as_deref(), Some("セレクト"));
        assert_eq!(
            latin_to_katakana("takecreate").as_deref(),
            Some("タケクリエイト")
        );
        assert_eq!(
            latin_to_katakana("nishilink").as_deref(),
            Some("ニシリンク")
        );
    }

    #[test]
    fn katakana_loanwords_and_letter_names_are_read_as_english() {
        assert_eq!(katakana_to_english("ブリッジ").as_deref(), Some("bridge"));
        assert_eq!(
            katakana_to_english("グローバルシステムズ").as_deref(),
            Some("globalsystems")
        );
        assert_eq!(
            katakana_to_english("ジーディーユー").as_deref(),
            Some("gdu")
        );
        assert_eq!(katakana_to_english("テラ").as_deref(), Some("terra"));
    }

    #[test]
    fn plain_romaji_and_unknown_words_are_left_to_the_romanised_index() {
        assert_eq!(latin_to_katakana("yamadashoji"), None);
        assert_eq!(latin_to_katakana("xqz"), None);
        assert_eq!(katakana_to_english("ヤマダショウジ"), None);
    }
}
