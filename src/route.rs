//! Hash routes: the app's pages as an enum, parsed from and written to `location.hash`.
//!
//! Hash routes keep every URL relative to index.html, so the app works at any base
//! path (an LMS unpacks the package anywhere) and from a static server with no rewrites.
//! A small enum costs far less wasm than a router crate.

/// A page of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The course home: progress, Continue, and the outline.
    Home,
    /// One module's page.
    Module {
        /// The module identifier from the manifest.
        id: String,
    },
    /// A lesson, optionally opened at the first occurrence of a searched text.
    Lesson {
        /// The lesson identifier from the manifest.
        id: String,
        /// Text to find and highlight when the lesson opens.
        find: Option<String>,
    },
    /// Search across lessons and the glossary.
    Search {
        /// The query typed so far.
        query: String,
    },
    /// One glossary term.
    Glossary {
        /// The term identifier.
        id: String,
    },
    /// An exam's page: rules, availability, start or resume, history and practice.
    Exam {
        /// The exam identifier from the manifest.
        id: String,
    },
    /// The attempt in progress at an exam.
    Attempt {
        /// The exam identifier.
        id: String,
    },
    /// The results of one graded attempt.
    Results {
        /// The exam identifier.
        id: String,
        /// The 1-based attempt number.
        number: u32,
        /// Announce that the attempt was just submitted because time ran out.
        timed_out: bool,
    },
    /// Untimed practice from the exam's bank, never counted.
    Practice {
        /// The exam identifier.
        id: String,
    },
    /// The learner's completion certificate: the profile to confirm, the signed
    /// certificate, its delivery, print and downloads.
    Certificate,
    /// Checks a certificate or credential file offline.
    Verify,
    /// This device: storage used, offline copy, and progress export and import.
    Settings,
    /// A hash that names no page; keeps the text to show the learner what was asked for.
    NotFound {
        /// The hash as found in the address bar.
        hash: String,
    },
}

/// Percent-encodes everything but unreserved characters, so any text survives in a hash.
pub fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Decodes `%XX` sequences and `+`; malformed sequences are kept as written.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |offset: usize| {
            bytes
                .get(index + offset)
                .and_then(|byte| char::from(*byte).to_digit(16))
        };
        match (bytes[index], hex(1), hex(2)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push(u8::try_from(high * 16 + low).expect("two hex digits fit a byte"));
                index += 3;
            }
            (b'+', _, _) => {
                decoded.push(b' ');
                index += 1;
            }
            (byte, _, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Every `name=value` of a `a=1&b=2` query string (a leading `?` is skipped), decoded.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

/// The value of `name` in a `a=1&b=2` query string.
fn parameter(query: &str, name: &str) -> Option<String> {
    query_pairs(query)
        .into_iter()
        .find_map(|(key, value)| (key == name).then_some(value))
}

impl Route {
    /// Parses `location.hash` (with or without the leading `#`).
    pub fn from_hash(hash: &str) -> Self {
        let path = hash.strip_prefix('#').unwrap_or(hash);
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let path = path.strip_prefix('/').unwrap_or(path);
        let segments: Vec<&str> = path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .collect();
        match segments.as_slice() {
            [] => Self::Home,
            ["modules", id] => Self::Module { id: decode(id) },
            ["lessons", id] => Self::Lesson {
                id: decode(id),
                find: parameter(query, "find").filter(|find| !find.is_empty()),
            },
            ["search"] => Self::Search {
                query: parameter(query, "q").unwrap_or_default(),
            },
            ["glossary", id] => Self::Glossary { id: decode(id) },
            ["certificate"] => Self::Certificate,
            ["verify"] => Self::Verify,
            ["settings"] => Self::Settings,
            ["exams", id] => Self::Exam { id: decode(id) },
            ["exams", id, "attempt"] => Self::Attempt { id: decode(id) },
            ["exams", id, "practice"] => Self::Practice { id: decode(id) },
            ["exams", id, "results", number] if number.parse::<u32>().is_ok() => Self::Results {
                id: decode(id),
                number: number.parse().unwrap_or(0),
                timed_out: parameter(query, "timed-out").is_some(),
            },
            _ => Self::NotFound {
                hash: hash.to_string(),
            },
        }
    }

    /// The `href` that leads to this page.
    pub fn href(&self) -> String {
        match self {
            Self::Home => "#/".to_string(),
            Self::Module { id } => format!("#/modules/{}", encode(id)),
            Self::Lesson { id, find: None } => format!("#/lessons/{}", encode(id)),
            Self::Lesson {
                id,
                find: Some(find),
            } => format!("#/lessons/{}?find={}", encode(id), encode(find)),
            Self::Search { query } if query.is_empty() => "#/search".to_string(),
            Self::Search { query } => format!("#/search?q={}", encode(query)),
            Self::Glossary { id } => format!("#/glossary/{}", encode(id)),
            Self::Certificate => "#/certificate".to_string(),
            Self::Verify => "#/verify".to_string(),
            Self::Settings => "#/settings".to_string(),
            Self::Exam { id } => format!("#/exams/{}", encode(id)),
            Self::Attempt { id } => format!("#/exams/{}/attempt", encode(id)),
            Self::Practice { id } => format!("#/exams/{}/practice", encode(id)),
            Self::Results {
                id,
                number,
                timed_out,
            } => format!(
                "#/exams/{}/results/{number}{}",
                encode(id),
                if *timed_out { "?timed-out" } else { "" }
            ),
            Self::NotFound { hash } => hash.clone(),
        }
    }

    /// A lesson route without a search text.
    pub fn lesson(id: &str) -> Self {
        Self::Lesson {
            id: id.to_string(),
            find: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_root_hashes_are_home() {
        for hash in ["", "#", "#/", "/", "#//"] {
            assert_eq!(Route::from_hash(hash), Route::Home, "{hash:?}");
        }
    }

    #[test]
    fn every_route_round_trips_through_its_href() {
        for route in [
            Route::Home,
            Route::Module {
                id: "measuring-carbon".into(),
            },
            Route::lesson("ghg-scopes"),
            Route::Lesson {
                id: "ghg-scopes".into(),
                find: Some("scope 3 & more/ü".into()),
            },
            Route::Search {
                query: String::new(),
            },
            Route::Search {
                query: "embodied carbon?".into(),
            },
            Route::Glossary {
                id: "scope-3".into(),
            },
            Route::Exam { id: "final".into() },
            Route::Attempt { id: "final".into() },
            Route::Practice { id: "final".into() },
            Route::Certificate,
            Route::Verify,
            Route::Settings,
            Route::Results {
                id: "final".into(),
                number: 2,
                timed_out: false,
            },
            Route::Results {
                id: "final".into(),
                number: 1,
                timed_out: true,
            },
        ] {
            assert_eq!(Route::from_hash(&route.href()), route, "{}", route.href());
        }
        assert_eq!(
            Route::from_hash("#/modules/measuring-carbon/"),
            Route::Module {
                id: "measuring-carbon".into()
            }
        );
    }

    #[test]
    fn anything_else_is_not_found_and_keeps_what_was_asked() {
        for hash in [
            "#/modules",
            "#/modules/a/b",
            "#/lesson/x",
            "#nonsense",
            "#/exams/final/results/first",
        ] {
            assert_eq!(
                Route::from_hash(hash),
                Route::NotFound { hash: hash.into() },
                "{hash:?}"
            );
        }
    }

    #[test]
    fn decoding_tolerates_malformed_escapes() {
        assert_eq!(decode("a%2"), "a%2");
        assert_eq!(decode("%zz+b"), "%zz b");
        assert_eq!(decode(&encode("100 % sure")), "100 % sure");
    }
}
