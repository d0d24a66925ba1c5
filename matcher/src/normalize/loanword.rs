//! English words written in katakana and back: partners write "Global Systems" for
//! グローバルシステムズ株式会社, "ブリッジ" for ＢＲＩＤＧＥ株式会社, "takecreate" for タケクリエイト.
//! A name is cut into known loanwords, letters read aloud (ジーディーユー = GDU) and romaji
//! syllables, preferring the fewest pieces, so the other script's spelling can be looked up.

use super::kana::katakana_to_latin;

/// Writes a latin name key in katakana: loanwords from the table, the rest as romaji.
/// None unless at least one loanword is used (plain romaji has its own index) and every
/// letter is accounted for.
pub fn latin_to_katakana(latin: &str) -> Option<String> {
    if latin.is_empty() || !latin.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let n = latin.len();
    // best[i]: (pieces, loanwords used, katakana) for latin[..i].
    let mut best: Vec<Option<(u32, u32, String)>> = vec![None; n + 1];
    best[0] = Some((0, 0, String::new()));
    for i in 0..n {
        let Some((pieces, words, kana)) = best[i].clone() else {
            continue;
        };
        let mut offer = |end: usize, cost: u32, word: u32, piece: &str| {
            let cand = (pieces + cost, words + word, format!("{kana}{piece}"));
            let better = match &best[end] {
                None => true,
                Some((p, w, _)) => {
                    (cand.0, std::cmp::Reverse(cand.1)) < (*p, std::cmp::Reverse(*w))
                }
            };
            if better {
                best[end] = Some(cand);
            }
        };
        for &(en, ka) in LOANWORDS {
            if latin[i..].starts_with(en) {
                offer(i + en.len(), 1, 1, ka);
            }
        }
        if let Some((len, ka)) = romaji_syllable(&latin[i..]) {
            offer(i + len, 2, 0, &ka);
        }
    }
    best[n]
        .take()
        .filter(|(_, words, _)| *words > 0)
        .map(|(_, _, k)| k)
}

/// Reads a katakana name key as latin letters: loanwords as their English word, letter
/// names as letters, the rest romanised. None unless a loanword or a letter name is used.
pub fn katakana_to_english(kana: &str) -> Option<String> {
    let chars: Vec<char> = kana.chars().collect();
    if chars.is_empty() || !chars.iter().all(|&c| is_katakana(c) || c == 'ー') {
        return None;
    }
    let n = chars.len();
    let mut best: Vec<Option<(u32, u32, String)>> = vec![None; n + 1];
    best[0] = Some((0, 0, String::new()));
    for i in 0..n {
        let Some((pieces, words, latin)) = best[i].clone() else {
            continue;
        };
        let rest: String = chars[i..].iter().collect();
        let mut offer = |end: usize, cost: u32, word: u32, piece: &str| {
            let cand = (pieces + cost, words + word, format!("{latin}{piece}"));
            let better = match &best[end] {
                None => true,
                Some((p, w, _)) => {
                    (cand.0, std::cmp::Reverse(cand.1)) < (*p, std::cmp::Reverse(*w))
                }
            };
            if better {
                best[end] = Some(cand);
            }
        };
        for &(en, ka) in LOANWORDS {
            if rest.starts_with(ka) {
                offer(i + ka.chars().count(), 1, 1, en);
            }
        }
        for (letter, name) in ('a'..='z').zip(LETTER_NAMES) {
            if rest.starts_with(name) {
                offer(i + name.chars().count(), 1, 1, &letter.to_string());
            }
        }
        // One mora (with a following small kana or long-vowel mark) romanised.
        let mut end = i + 1;
        while end < n
            && matches!(
                chars[end],
                'ァ' | 'ィ' | 'ゥ' | 'ェ' | 'ォ' | 'ャ' | 'ュ' | 'ョ' | 'ー'
            )
        {
            end += 1;
        }
        let mora: String = chars[i..end].iter().collect();
        if let Some(r) = katakana_to_latin(&mora) {
            offer(end, 2, 0, &r);
        }
    }
    best[n]
        .take()
        .filter(|(_, words, _)| *words > 0)
        .map(|(_, _, l)| l)
}

fn is_katakana(c: char) -> bool {
    ('\u{30A1}'..='\u{30FA}').contains(&c)
}

const LETTER_NAMES: [&str; 26] = [
    "エー",
    "ビー",
    "シー",
    "ディー",
    "イー",
    "エフ",
    "ジー",
    "エイチ",
    "アイ",
    "ジェー",
    "ケー",
    "エル",
    "エム",
    "エヌ",
    "オー",
    "ピー",
    "キュー",
    "アール",
    "エス",
    "ティー",
    "ユー",
    "ブイ",
    "ダブリュー",
    "エックス",
    "ワイ",
    "ゼット",
];

/// One romaji syllable at the start of `s` as katakana, with its length in letters: "kyo",
/// "shi", "n" before a consonant, a doubled consonant as ッ.
fn romaji_syllable(s: &str) -> Option<(usize, String)> {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b[1] && !b"aeioun".contains(&b[0]) {
        return Some((1, "ッ".to_string()));
    }
    for len in [3, 2, 1] {
        if let Some(head) = s.get(..len)
            && let Some(&(_, ka)) = ROMAJI.iter().find(|(r, _)| *r == head)
        {
            return Some((len, ka.to_string()));
        }
    }
    if b[0] == b'n' && (b.len() == 1 || !b"aeiouy".contains(&b[1])) {
        return Some((1, "ン".to_string()));
    }
    None
}

const ROMAJI: &[(&str, &str)] = &[
    ("kya", "キャ"),
    ("kyu", "キュ"),
    ("kyo", "キョ"),
    ("sha", "シャ"),
    ("shu", "シュ"),
    ("sho", "ショ"),
    ("shi", "シ"),
    ("chi", "チ"),
    ("cha", "チャ"),
    ("chu", "チュ"),
    ("cho", "チョ"),
    ("tsu", "ツ"),
    ("nya", "ニャ"),
    ("nyu", "ニュ"),
    ("nyo", "ニョ"),
    ("hya", "ヒャ"),
    ("hyu", "ヒュ"),
    ("hyo", "ヒョ"),
    ("mya", "ミャ"),
    ("myu", "ミュ"),
    ("myo", "ミョ"),
    ("rya", "リャ"),
    ("ryu", "リュ"),
    ("ryo", "リョ"),
    ("gya", "ギャ"),
    ("gyu", "ギュ"),
    ("gyo", "ギョ"),
    ("bya", "ビャ"),
    ("byu", "ビュ"),
    ("byo", "ビョ"),
    ("pya", "ピャ"),
    ("pyu", "ピュ"),
    ("pyo", "ピョ"),
    ("ja", "ジャ"),
    ("ju", "ジュ"),
    ("jo", "ジョ"),
    ("ji", "ジ"),
    ("fu", "フ"),
    ("ka", "カ"),
    ("ki", "キ"),
    ("ku", "ク"),
    ("ke", "ケ"),
    ("ko", "コ"),
    ("sa", "サ"),
    ("si", "シ"),
    ("su", "ス"),
    ("se", "セ"),
    ("so", "ソ"),
    ("ta", "タ"),
    ("ti", "チ"),
    ("tu", "ツ"),
    ("te", "テ"),
    ("to", "ト"),
    ("na", "ナ"),
    ("ni", "ニ"),
    ("nu", "ヌ"),
    ("ne", "ネ"),
    ("no", "ノ"),
    ("ha", "ハ"),
    ("hi", "ヒ"),
    ("hu", "フ"),
    ("he", "ヘ"),
    ("ho", "ホ"),
    ("ma", "マ"),
    ("mi", "ミ"),
    ("mu", "ム"),
    ("me", "メ"),
    ("mo", "モ"),
    ("ya", "ヤ"),
    ("yu", "ユ"),
    ("yo", "ヨ"),
    ("ra", "ラ"),
    ("ri", "リ"),
    ("ru", "ル"),
    ("re", "レ"),
    ("ro", "ロ"),
    ("wa", "ワ"),
    ("wo", "ヲ"),
    ("ga", "ガ"),
    ("gi", "ギ"),
    ("gu", "グ"),
    ("ge", "ゲ"),
    ("go", "ゴ"),
    ("za", "ザ"),
    ("zi", "ジ"),
    ("zu", "ズ"),
    ("ze", "ゼ"),
    ("zo", "ゾ"),
    ("da", "ダ"),
    ("di", "ヂ"),
    ("du", "ヅ"),
    ("de", "デ"),
    ("do", "ド"),
    ("ba", "バ"),
    ("bi", "ビ"),
    ("bu", "ブ"),
    ("be", "ベ"),
    ("bo", "ボ"),
    ("pa", "パ"),
    ("pi", "ピ"),
    ("pu", "プ"),
    ("pe", "ペ"),
    ("po", "ポ"),
    ("a", "ア"),
    ("i", "イ"),
    ("u", "ウ"),
    ("e", "エ"),
    ("o", "オ"),
];

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
