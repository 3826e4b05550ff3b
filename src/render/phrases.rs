//! Break opportunities between Japanese words in short titles. Browsers may break Japanese text
//! after any character, so a header title wraps inside words (安全管|理). The `phrase_breaks`
//! filter escapes the text and puts `<wbr>` where the script changes the way word boundaries do
//! in compound titles (医療情報|クラウド|安全管理|ガイドライン); the CSS then keeps everything
//! else together (`word-break: keep-all`).

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Kanji,
    Hiragana,
    Katakana,
    Other,
}

fn script(c: char) -> Script {
    match c {
        '\u{3041}'..='\u{309F}' => Script::Hiragana,
        '\u{30A0}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' | '\u{FF66}'..='\u{FF9F}' => Script::Katakana,
        '\u{3005}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' => Script::Kanji,
        _ => Script::Other,
    }
}

/// Hiragana that usually end a phrase (particles); other hiragana after kanji are okurigana.
const PARTICLES: &str = "のをにはがとでへやも";

/// A word starts at `cur`: kanji ↔ katakana, or kanji/katakana after a particle. Kanji followed
/// by hiragana stay together, and so does okurigana followed by kanji (取り扱い).
fn starts_word(prev: char, cur: char) -> bool {
    match (script(prev), script(cur)) {
        (Script::Kanji, Script::Katakana) | (Script::Katakana, Script::Kanji) => true,
        (Script::Hiragana, Script::Kanji | Script::Katakana) => PARTICLES.contains(prev),
        _ => false,
    }
}

/// `text` escaped for HTML, with `<wbr>` at the start of each word.
pub fn phrase_breaks(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut prev = ' ';
    for c in text.chars() {
        if starts_word(prev, c) {
            out.push_str("<wbr>");
        }
        out.push_str(&crate::html::escape_html(c.encode_utf8(&mut [0; 4])));
        prev = c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::phrase_breaks;

    #[test]
    fn breaks_between_words_and_escapes() {
        assert_eq!(phrase_breaks("医療情報クラウド安全管理ガイドライン リファレンス"), "医療情報<wbr>クラウド<wbr>安全管理<wbr>ガイドライン リファレンス");
        assert_eq!(phrase_breaks("情報を取り扱う<b>"), "情報を<wbr>取り扱う&lt;b&gt;");
        assert_eq!(phrase_breaks("Tom & \"Jerry\""), "Tom &amp; &quot;Jerry&quot;");
    }
}
