//! `config.json`, the one file beside index.html that an admin edits: where certificates
//! go, and the partner's co-branding. Every field is optional; a missing file means defaults.

use serde::{Deserialize, Serialize};

/// The deployment's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The backend's base URL, absolute or relative to index.html; certificates are POSTed
    /// to `<backend_url>api/v1/certificates` and verified at `<backend_url>verify/<id>`.
    /// Empty: the server that serves the app (the reference server serves both).
    pub backend_url: String,
    /// The partner's brand, shown beside ours on the certificate, when set.
    pub co_brand: Option<CoBrand>,
}

/// A partner's co-branding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoBrand {
    /// The partner's name.
    pub name: String,
    /// The partner's logo, a URL relative to index.html or absolute; empty for none.
    pub logo_url: String,
    /// The partner's brand colour as `#rrggbb`, used for the browser's and the installed
    /// app's title bar; empty for ours.
    pub theme_colour: String,
}

impl CoBrand {
    /// The theme colour when it is a valid `#rrggbb` (lower-cased), else `None`: a colour
    /// the browser would not understand is never handed to it.
    pub fn theme_colour(&self) -> Option<String> {
        let colour = self.theme_colour.trim();
        let digits = colour.strip_prefix('#')?;
        (digits.len() == 6 && digits.bytes().all(|byte| byte.is_ascii_hexdigit()))
            .then(|| colour.to_ascii_lowercase())
    }
}

impl Config {
    /// The backend base with exactly one trailing slash (empty stays empty).
    pub fn backend_base(&self) -> String {
        let trimmed = self.backend_url.trim().trim_end_matches('/');
        if trimmed.is_empty() {
            String::new()
        } else {
            format!("{trimmed}/")
        }
    }

    /// Where certificates are POSTed, relative to index.html when the base is.
    pub fn certificates_url(&self) -> String {
        format!("{}api/v1/certificates", self.backend_base())
    }

    /// The human verification page of a certificate id (`urn:uuid:…` or the bare uuid).
    pub fn verification_url(&self, certificate_id: &str) -> String {
        format!(
            "{}verify/{}",
            self.backend_base(),
            certificate_id.trim_start_matches("urn:uuid:")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_the_backend_base_with_one_slash() {
        let mut config = Config::default();
        assert_eq!(config.certificates_url(), "api/v1/certificates");
        assert_eq!(
            config.verification_url("urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"),
            "verify/0f8fad5b-d9cb-469f-a165-70867728950e"
        );
        config.backend_url = "https://certs.example.com/specialist//".into();
        assert_eq!(
            config.certificates_url(),
            "https://certs.example.com/specialist/api/v1/certificates"
        );
    }

    #[test]
    fn only_a_six_digit_hex_theme_colour_is_used() {
        let brand = |colour: &str| CoBrand {
            theme_colour: colour.into(),
            ..CoBrand::default()
        };
        assert_eq!(
            brand(" #0A5C9E ").theme_colour().as_deref(),
            Some("#0a5c9e")
        );
        for refused in ["", "0a5c9e", "#0a5c9", "#0a5c9g", "red", "#0a5c9e; x"] {
            assert_eq!(brand(refused).theme_colour(), None, "{refused:?}");
        }
    }

    #[test]
    fn unknown_fields_are_errors_and_missing_ones_defaults() {
        let config: Config = serde_json::from_str(r#"{"co_brand":{"name":"Acme"}}"#).unwrap();
        assert_eq!(config.co_brand.unwrap().name, "Acme");
        assert_eq!(config.backend_url, "");
        let error = serde_json::from_str::<Config>(r#"{"backend":"x"}"#).unwrap_err();
        assert!(
            error.to_string().contains("unknown field `backend`"),
            "{error}"
        );
    }
}
