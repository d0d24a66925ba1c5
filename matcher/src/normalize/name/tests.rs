use super::*;

fn key(raw: &str) -> String {
    normalize_name(raw).key
}

#[test]
fn half_width_katakana_and_full_width_latin_fold_to_one_key() {
    assert_eq!(fold_text("ｶﾌﾞｼｷｶﾞｲｼｬ"), "カブシキガイシャ");
    assert_eq!(key("ﾄﾖﾀ自動車株式会社"), key("トヨタ自動車株式会社"));
    assert_eq!(key("ＮＴＴデータ株式会社"), "nttデータ");
    assert_eq!(key("株式会社ＫＹＥ興産"), key("株式会社kye興産"));
    assert_eq!(key("ソフトバンク１２３"), "ソフトバンク123");
}

#[test]
fn legal_form_in_front_or_behind_gives_the_same_key_and_is_kept() {
    let front = normalize_name("株式会社リクルート");
    let back = normalize_name("リクルート株式会社");
    assert_eq!(front.key, "リクルート");
    assert_eq!(back.key, "リクルート");
    assert_eq!(front.legal_form, Some("株式会社"));
    assert_eq!(back.legal_form, Some("株式会社"));
}

#[test]
fn every_abbreviation_of_kabushiki_kaisha_is_recognised() {
    for raw in [
        "(株)日立製作所",
        "㈱日立製作所",
        "（株）日立製作所",
        "日立製作所(株)",
        "日立製作所㈱",
        "ｶﾌﾞｼｷｶﾞｲｼｬ日立製作所",
        "カ)日立製作所",
        "日立製作所(カ",
        "㍿日立製作所",
        "株式会社　日立製作所",
    ] {
        let n = normalize_name(raw);
        assert_eq!(n.key, "日立製作所", "{raw}");
        assert_eq!(n.legal_form, Some("株式会社"), "{raw}");
    }
}

#[test]
fn other_japanese_legal_forms_are_split_off_in_canonical_spelling() {
    for (raw, name, form) in [
        ("有限会社大沢商店", "大沢商店", "有限会社"),
        ("㈲大沢商店", "大沢商店", "有限会社"),
        ("(有)大沢商店", "大沢商店", "有限会社"),
        ("合同会社DMM.com", "dmmcom", "合同会社"),
        ("(同)緑山ハウジング", "緑山ハウジング", "合同会社"),
        ("秋宮電気合同会社", "秋宮電気", "合同会社"),
        ("合資会社山田屋", "山田屋", "合資会社"),
        ("合名会社丸十", "丸十", "合名会社"),
        (
            "一般社団法人日本経済団体連合会",
            "日本経済団体連合会",
            "一般社団法人",
        ),
        (
            "(一社)日本経済団体連合会",
            "日本経済団体連合会",
            "一般社団法人",
        ),
        ("公益財団法人日本財団", "日本財団", "公益財団法人"),
        ("医療法人社団伊藤会", "伊藤会", "医療法人"),
        ("医療法人伊藤会", "伊藤会", "医療法人"),
        ("(医)川城内科ｸﾘﾆｯｸ", "川城内科クリニック", "医療法人"),
        (
            "社会福祉法人恩賜財団済生会",
            "恩賜財団済生会",
            "社会福祉法人",
        ),
        ("（福）優愛会", "優愛会", "社会福祉法人"),
        ("学校法人早稲田大学", "早稲田大学", "学校法人"),
        (
            "特定非営利活動法人フローレンス",
            "フローレンス",
            "特定非営利活動法人",
        ),
        ("NPO法人フローレンス", "フローレンス", "特定非営利活動法人"),
        ("ＳＡＩＭＥＤＩＡｺﾞｳﾄﾞｳｶﾞｲｼｬ", "saimedia", "合同会社"),
        ("社福明心会", "明心会", "社会福祉法人"),
        ("医)悠裕会", "悠裕会", "医療法人"),
        (
            "一社日本空き家推進協会",
            "日本空き家推進協会",
            "一般社団法人",
        ),
        ("山田商事(株", "山田商事", "株式会社"),
        ("三河運送(協)", "三河運送", "協同組合"),
        ("三河運送事業協同組合", "三河運送", "協同組合"),
    ] {
        let n = normalize_name(raw);
        assert_eq!((n.key.as_str(), n.legal_form), (name, Some(form)), "{raw}");
    }
}

#[test]
fn english_legal_forms_count_only_as_whole_words() {
    for raw in [
        "Sony Group Corporation",
        "SONY GROUP CO., LTD.",
        "Sony Group Co.,Ltd.",
        "Sony Group Co. Ltd",
        "Sony Group Inc.",
        "Sony Group K.K.",
        "k.k. Sony Group",
        "Sony Group KK",
    ] {
        let n = normalize_name(raw);
        assert_eq!(n.key, "sonygroup", "{raw}");
        // K.K. is Kabushiki Kaisha; Co., Ltd. and Inc. translate 有限会社 as well.
        let kk = raw.to_lowercase().contains("k.k") || raw.ends_with("KK");
        let want = if kk { "株式会社" } else { ENGLISH_GENERIC };
        assert_eq!(n.legal_form, Some(want), "{raw}");
    }
    let llc = normalize_name("Morioka Tsubasa LLC");
    assert_eq!(
        (llc.key.as_str(), llc.legal_form),
        ("moriokatsubasa", Some("合同会社"))
    );
    // "kk" and "inc" inside a word are part of the name.
    assert_eq!(key("Zinc"), "zinc");
    assert_eq!(normalize_name("Zinc").legal_form, None);
    assert_eq!(key("東洋商事K.K."), "東洋商事");
}

#[test]
fn a_name_without_legal_form_has_none() {
    let n = normalize_name("盛岡ツバサ");
    assert_eq!(
        (n.key.as_str(), n.legal_form, n.branch),
        ("盛岡ツバサ", None, None)
    );
}

#[test]
fn branch_and_office_words_move_to_the_branch_attribute() {
    for (raw, name, branch) in [
        ("株式会社ニトリ 札幌支店", "ニトリ", "札幌支店"),
        ("イチス運輸 株式会社 建設事業部", "イチス運輸", "建設事業部"),
        (
            "竹内通信フーズ株式会社 グループ",
            "竹内通信フーズ",
            "グループ",
        ),
        (
            "株式会社　紀州アクティブ 千代田事業所",
            "紀州アクティブ",
            "千代田事業所",
        ),
        (
            "医療法人藤谷クリニック 大分営業所",
            "藤谷クリニック",
            "大分営業所",
        ),
        ("株式会社ローソン 渋谷店", "ローソン", "渋谷店"),
        ("三井住友銀行株式会社大阪本店", "三井住友銀行", "大阪本店"),
        ("カサックス採用担当", "カサックス", "採用担当"),
        ("小野警備　Ｃｏ．，　Ｌｔｄ．本店", "小野警備", "本店"),
        ("東海ﾃｯｸ運輸 K.K. 大津工場", "東海テック運輸", "大津工場"),
        ("合同会社横浜設備 人事部", "横浜設備", "人事部"),
        (
            "ヤマト運輸株式会社 羽田クロノゲートベース 事業所",
            "ヤマト運輸",
            "羽田クロノゲートベース事業所",
        ),
    ] {
        let n = normalize_name(raw);
        assert_eq!(
            (n.key.as_str(), n.branch.as_deref()),
            (name, Some(branch)),
            "{raw}"
        );
    }
    // Glued to the name, only the office word itself is certain; the place stays in the key.
    let glued = normalize_name("カブシキガイシャプライムウェブ渋谷支社");
    assert_eq!(glued.key, "プライムウェブ渋谷");
    assert_eq!(glued.branch.as_deref(), Some("支社"));
}

#[test]
fn shop_and_centre_words_that_end_registered_names_stay_in_the_name() {
    assert_eq!(key("有限会社大沢太一商店"), "大沢太一商店");
    assert_eq!(key("株式会社ABC物流センター"), "abc物流センター");
    assert_eq!(key("南村あすか商店株式会社"), "南村あすか商店");
}

#[test]
fn short_forms_are_legal_forms_only_before_the_name() {
    assert_eq!(key("神奈川県住宅供給公社"), "神奈川県住宅供給公社");
    assert_eq!(normalize_name("神奈川県住宅供給公社").legal_form, None);
}

#[test]
fn registered_names_never_lose_office_words() {
    let n = normalize_registered_name("株式会社ABC本店");
    assert_eq!((n.key.as_str(), n.branch), ("abc本店", None));
}

#[test]
fn variant_kanji_fold_so_old_and_new_spellings_meet() {
    assert_eq!(key("株式会社髙橋塗装産業"), key("株式会社高橋塗装産業"));
    assert_eq!(key("株式会社齊藤技研"), key("株式会社斎藤技研"));
    assert_eq!(key("株式会社齋藤技研"), key("株式会社斉藤技研"));
    assert_eq!(key("東﨑交通企画K.K."), key("東崎交通企画株式会社"));
    assert_eq!(key("渡邊建設"), key("渡辺建設"));
    assert_eq!(key("長嶋運送合同会社"), key("長島運送合同会社"));
    assert_eq!(key("濱田屋"), key("浜田屋"));
}

#[test]
fn long_vowel_marks_typed_with_any_dash_become_one_mark() {
    let want = key("株式会社友正ホールディングス");
    for raw in [
        "株式会社友正ホ―ルディングス",
        "株式会社友正ホ-ルディングス",
        "株式会社友正ホ－ルディングス",
        "株式会社友正ホ‐ルディングス",
        "株式会社友正ホ—ルディングス",
        "株式会社友正ホ−ルディングス",
        "株式会社友正ﾎｰﾙﾃﾞｨﾝｸﾞｽ",
    ] {
        assert_eq!(key(raw), want, "{raw}");
    }
}

#[test]
fn middle_dots_spaces_and_punctuation_do_not_count() {
    assert_eq!(key("株式会社 マックス・ブライト"), "マックスブライト");
    assert_eq!(key("ﾏｯｸｽ･ﾌﾞﾗｲﾄ株式会社"), "マックスブライト");
    assert_eq!(key("マックス　ブライト"), "マックスブライト");
    assert_eq!(key("Max-Bright, Inc."), "maxbright");
    assert_eq!(key("A&B Holdings"), "a&bholdings");
}

#[test]
fn latin_letters_compare_without_case() {
    assert_eq!(key("iayﾊｳｼﾞﾝｸﾞｶﾌﾞｼｷｶﾞｲｼｬ"), key("ＩＡＹハウジング株式会社"));
    assert_eq!(key("leaf株式会社"), "leaf");
}

#[test]
fn group_companies_keep_different_keys() {
    let parent = key("トヨタ自動車株式会社");
    assert_ne!(key("トヨタ自動車ホールディングス株式会社"), parent);
    assert_ne!(key("トヨタ自動車サービス株式会社"), parent);
}
