//! Text forms of exam numbers for the UI: clock times, percentages from basis points,
//! decimals from thousandths, and plain text from published HTML (for `<option>` labels).

use super::grading::NUMERIC_SCALE;

/// `mm:ss` below an hour, `h:mm:ss` above; rounded up so that "0:00" means time is up.
pub fn clock_text(milliseconds: u64) -> String {
    let seconds = milliseconds.div_ceil(1_000);
    let (hours, minutes, seconds) = (seconds / 3_600, seconds / 60 % 60, seconds % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}")
    } else {
        format!("{minutes:02}:{seconds:02}")
    }
}

/// A duration in words for announcements: "10 minutes", "1 minute", "30 seconds".
pub fn duration_words(milliseconds: u64) -> String {
    let seconds = milliseconds.div_ceil(1_000);
    match seconds {
        60 => "1 minute".to_string(),
        seconds if seconds >= 60 && seconds % 60 == 0 => format!("{} minutes", seconds / 60),
        1 => "1 second".to_string(),
        seconds => format!("{seconds} seconds"),
    }
}

/// Basis points as a percentage with at most one decimal, rounded down: 8250 → "82.5 %".
pub fn percent_text(basis_points: u32) -> String {
    let tenths = basis_points / 10;
    if tenths.is_multiple_of(10) {
        format!("{} %", tenths / 10)
    } else {
        format!("{}.{} %", tenths / 10, tenths % 10)
    }
}

/// Thousandths as a decimal without trailing zeros: 12500 → "12.5", -250 → "-0.25".
pub fn decimal_text(thousandths: i64) -> String {
    let sign = if thousandths < 0 { "-" } else { "" };
    let magnitude = thousandths.unsigned_abs();
    let scale = NUMERIC_SCALE.unsigned_abs();
    let (whole, fraction) = (magnitude / scale, magnitude % scale);
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let fraction = format!("{fraction:03}");
    format!("{sign}{whole}.{}", fraction.trim_end_matches('0'))
}

/// The text of sanitized inline HTML: tags dropped, the five escapes the publisher writes decoded.
pub fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for character in html.chars() {
        match character {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            other if !in_tag => text.push(other),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_text_rounds_up_and_shows_hours_when_needed() {
        assert_eq!(clock_text(0), "00:00");
        assert_eq!(clock_text(1), "00:01");
        assert_eq!(clock_text(599_001), "10:00");
        assert_eq!(clock_text(3_725_000), "1:02:05");
    }

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration_words(600_000), "10 minutes");
        assert_eq!(duration_words(60_000), "1 minute");
        assert_eq!(duration_words(30_000), "30 seconds");
    }

    #[test]
    fn percentages_keep_one_decimal_rounded_down() {
        assert_eq!(percent_text(10_000), "100 %");
        assert_eq!(percent_text(8_250), "82.5 %");
        assert_eq!(percent_text(6_666), "66.6 %");
        assert_eq!(percent_text(0), "0 %");
    }

    #[test]
    fn decimals_drop_trailing_zeros() {
        assert_eq!(decimal_text(12_500), "12.5");
        assert_eq!(decimal_text(-250), "-0.25");
        assert_eq!(decimal_text(3_000), "3");
        assert_eq!(decimal_text(1), "0.001");
    }

    #[test]
    fn plain_text_drops_tags_and_decodes_escapes() {
        assert_eq!(
            plain_text("<em>Scope</em> 3 &amp; &lt;more&gt;"),
            "Scope 3 & <more>"
        );
    }
}
