//! UTC timestamps as signed documents write them (`2026-11-28T17:08:16Z`, RFC 3339 with
//! whole seconds), converted from and to milliseconds since the Unix epoch without a date crate.

/// Milliseconds in a day.
const DAY_MILLISECONDS: i64 = 86_400_000;

/// Formats `milliseconds` since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (milliseconds dropped).
pub fn utc_timestamp(milliseconds: i64) -> String {
    let days = milliseconds.div_euclid(DAY_MILLISECONDS);
    let seconds_of_day = milliseconds.rem_euclid(DAY_MILLISECONDS) / 1000;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds_of_day / 3600,
        seconds_of_day / 60 % 60,
        seconds_of_day % 60
    )
}

/// The date part of [`utc_timestamp`]: `YYYY-MM-DD`.
pub fn utc_date(milliseconds: i64) -> String {
    utc_timestamp(milliseconds)[..10].to_string()
}

/// The date of a [`utc_timestamp`] in words, as a certificate prints it: `28 November 2026`.
/// `None` when `timestamp` is not in that form.
pub fn long_date(timestamp: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let milliseconds = parse_utc_timestamp(timestamp)?;
    let (year, month, day) = civil_from_days(milliseconds.div_euclid(DAY_MILLISECONDS));
    let month = MONTHS.get(usize::try_from(month - 1).ok()?)?;
    Some(format!("{day} {month} {year}"))
}

/// Reads a timestamp in exactly the form [`utc_timestamp`] writes; `None` for anything else.
pub fn parse_utc_timestamp(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || bytes[10] != b'T'
        || bytes[13] != b':'
        || bytes[16] != b':'
        || bytes[19] != b'Z'
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|byte| byte.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // Reject days that do not exist (31 April) by converting back.
    if civil_from_days(days) != (year, month, day) {
        return None;
    }
    Some(days * DAY_MILLISECONDS + (hour * 3600 + minute * 60 + second) * 1000)
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The inverse of [`civil_from_days`].
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_index = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_format_as_rfc_3339() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(1_677_281_798_000), "2023-02-24T23:36:38Z");
        assert_eq!(utc_timestamp(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(utc_timestamp(-1), "1969-12-31T23:59:59Z");
        assert_eq!(utc_date(1_796_000_000_000), "2026-11-30");
    }

    #[test]
    fn long_dates_name_the_month() {
        assert_eq!(
            long_date("2026-11-28T17:08:16Z").as_deref(),
            Some("28 November 2026")
        );
        assert_eq!(
            long_date("2000-01-01T00:00:00Z").as_deref(),
            Some("1 January 2000")
        );
        assert_eq!(long_date("2026-11-28"), None);
    }

    #[test]
    fn parsing_inverts_formatting_and_refuses_what_it_does_not_write() {
        for milliseconds in [0, 1_677_281_798_000, 951_782_400_000, 4_102_444_799_000] {
            let text = utc_timestamp(milliseconds);
            assert_eq!(parse_utc_timestamp(&text), Some(milliseconds), "{text}");
        }
        for bad in [
            "2023-02-24T23:36:38",
            "2023-02-24 23:36:38Z",
            "2023-04-31T00:00:00Z",
            "2023-13-01T00:00:00Z",
            "2023-02-24T24:00:00Z",
            "2023-02-24T23:36:38.5Z",
            "+023-02-24T23:36:38Z",
        ] {
            assert_eq!(parse_utc_timestamp(bad), None, "{bad}");
        }
    }
}
