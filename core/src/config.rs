//! `config.json`, the one file beside index.html that an admin edits: where certificates
//! go, the partner's co-branding, the locale and a default accommodation. Every field is
//! optional; a missing file means defaults. URL parameters and then the LMS's launch data
//! override it, both written `name=value&name=value` (see [`Config::apply_overrides`]).

use serde::{Deserialize, Serialize};

/// The deployment's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The backend's base URL, absolute or relative to index.html; certificates are POSTed
    /// to `<backend_url>api/v1/certificates` and verified at `<backend_url>verify/<id>`.
    /// Empty: the server that serves the app (the reference server serves both).
    pub backend_url: String,
    /// The partner's brand, shown beside ours in the header and on the certificate.
    pub co_brand: Option<CoBrand>,
    /// The interface language (BCP 47); empty for the course's. Only English exists yet.
    pub locale: String,
    /// Extra exam time for everyone launched with this configuration, in percent of the
    /// limit (100–400); `None` for none.
    pub accommodation_percent: Option<u32>,
}

/// A partner's co-branding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoBrand {
    /// The partner's name.
    pub name: String,
    /// The partner's logo, a URL relative to index.html or absolute; empty for none.
    pub logo_url: String,
    /// The partner's accent colour as `#rrggbb`: buttons, links and the browser's and
    /// installed app's title bar. Empty for ours.
    pub accent_colour: String,
}

/// Where overrides of config.json come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideSource {
    /// The launch link's URL parameters: anyone can make one.
    LaunchLink,
    /// What the LMS passes (SCORM `cmi.launch_data`, cmi5 `launchParameters`): the admin's.
    LaunchData,
}

/// An accent colour as it will be used, and what had to be done to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accent {
    /// Readable as given.
    AsGiven(String),
    /// Too light for white text and links on white: darkened until it reaches 4.5:1.
    Darkened {
        /// The colour configured.
        given: String,
        /// The colour used.
        used: String,
    },
    /// Not a `#rrggbb` colour: refused, ours is used.
    Refused(String),
}

/// The contrast WCAG 2 requires for normal text.
const READABLE_CONTRAST: f64 = 4.5;

fn parse_hex(colour: &str) -> Option<[u8; 3]> {
    let digits = colour.trim().strip_prefix('#')?;
    if digits.len() != 6 || !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |index: usize| u8::from_str_radix(&digits[index..index + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

fn hex([red, green, blue]: [u8; 3]) -> String {
    format!("#{red:02x}{green:02x}{blue:02x}")
}

/// WCAG 2 relative luminance.
fn luminance(colour: [u8; 3]) -> f64 {
    let linear = |channel: u8| {
        let value = f64::from(channel) / 255.0;
        if value <= 0.039_28 {
            value / 12.92
        } else {
            ((value + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(colour[0]) + 0.7152 * linear(colour[1]) + 0.0722 * linear(colour[2])
}

/// The WCAG 2 contrast ratio of a colour against white.
pub fn contrast_with_white(colour: [u8; 3]) -> f64 {
    1.05 / (luminance(colour) + 0.05)
}

impl CoBrand {
    /// The accent colour to use: as given when white text on it (and it as link text on
    /// white) reaches 4.5:1, else darkened in small steps until it does; `None` when none
    /// is configured.
    pub fn accent(&self) -> Option<Accent> {
        let given = self.accent_colour.trim();
        if given.is_empty() {
            return None;
        }
        let Some(mut colour) = parse_hex(given) else {
            return Some(Accent::Refused(given.to_string()));
        };
        let original = colour;
        while contrast_with_white(colour) < READABLE_CONTRAST {
            colour = colour.map(|channel| (u16::from(channel) * 95 / 100) as u8);
        }
        Some(if colour == original {
            Accent::AsGiven(hex(colour))
        } else {
            Accent::Darkened {
                given: hex(original),
                used: hex(colour),
            }
        })
    }
}

impl Accent {
    /// The colour to use, when there is one.
    pub fn colour(&self) -> Option<&str> {
        match self {
            Self::AsGiven(colour) | Self::Darkened { used: colour, .. } => Some(colour),
            Self::Refused(_) => None,
        }
    }
}

impl Config {
    /// Checks what config.json said: an accommodation outside 100–400 is dropped (the server
    /// would refuse every certificate made with it); returns a warning for each problem.
    pub fn check(&mut self) -> Vec<String> {
        let mut warnings = Vec::new();
        if let Some(percent) = self.accommodation_percent
            && !crate::exam::attempt::ACCOMMODATION_RANGE_PERCENT.contains(&percent)
        {
            warnings.push(format!(
                "accommodation_percent {percent} is not from 100 to 400; ignored"
            ));
            self.accommodation_percent = None;
        }
        warnings
    }

    /// Applies overrides written `name=value&name=value` (percent-encoded), as URL
    /// parameters and LMS launch data carry them: `backend_url` (launch data only),
    /// `partner` (the co-brand's name), `partner_logo`, `accent` (`#rrggbb`), `locale`,
    /// `accommodation` (100–400). Other names are ignored (a launch link has parameters of
    /// its own); a value that cannot be used is skipped and named in the returned warnings.
    pub fn apply_overrides(
        &mut self,
        pairs: &[(String, String)],
        source: OverrideSource,
    ) -> Vec<String> {
        let mut warnings = Vec::new();
        for (name, value) in pairs {
            let brand = || CoBrand::default();
            match name.as_str() {
                // A link anyone can craft must not send signed certificates (names, emails,
                // transcripts) to a host of its choosing.
                "backend_url" if source == OverrideSource::LaunchLink => warnings.push(
                    "backend_url cannot be set by a launch link; set it in config.json or the LMS's launch data".into(),
                ),
                "backend_url" => self.backend_url.clone_from(value),
                "partner" => self
                    .co_brand
                    .get_or_insert_with(brand)
                    .name
                    .clone_from(value),
                "partner_logo" => self
                    .co_brand
                    .get_or_insert_with(brand)
                    .logo_url
                    .clone_from(value),
                "accent" => self
                    .co_brand
                    .get_or_insert_with(brand)
                    .accent_colour
                    .clone_from(value),
                "locale" => self.locale.clone_from(value),
                "accommodation" => match value.parse::<u32>() {
                    Ok(percent)
                        if crate::exam::attempt::ACCOMMODATION_RANGE_PERCENT.contains(&percent) =>
                    {
                        self.accommodation_percent = Some(percent);
                    }
                    _ => warnings.push(format!(
                        "accommodation {value:?} is not a percentage from 100 to 400; ignored"
                    )),
                },
                _ => {}
            }
        }
        warnings
    }

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
    fn accents_too_light_are_darkened_to_readable_and_invalid_ones_refused() {
        let brand = |colour: &str| CoBrand {
            accent_colour: colour.into(),
            ..CoBrand::default()
        };
        assert_eq!(
            brand(" #0A5C9E ").accent(),
            Some(Accent::AsGiven("#0a5c9e".into()))
        );
        assert_eq!(brand("").accent(), None);
        let Some(Accent::Darkened { given, used }) = brand("#ffee00").accent() else {
            panic!("yellow is too light for white text");
        };
        assert_eq!(given, "#ffee00");
        let used = parse_hex(&used).unwrap();
        assert!(contrast_with_white(used) >= 4.5);
        assert!(
            contrast_with_white(used) < 5.0,
            "darkened no further than needed"
        );
        assert!(used[0] > used[2], "still a yellow-brown, not black");
        for refused in ["0a5c9e", "#0a5c9", "#0a5c9g", "red", "#0a5c9e; x"] {
            assert_eq!(
                brand(refused).accent(),
                Some(Accent::Refused(refused.into())),
                "{refused:?}"
            );
        }
        assert!((contrast_with_white([0, 0, 0]) - 21.0).abs() < 0.01);
    }

    #[test]
    fn url_and_launch_overrides_apply_in_order_and_bad_values_are_named() {
        let mut config: Config =
            serde_json::from_str(r#"{"co_brand":{"name":"Acme","logo_url":"acme.svg"}}"#).unwrap();
        let pairs = |text: &str| -> Vec<(String, String)> {
            text.split('&')
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap();
                    (name.to_string(), value.to_string())
                })
                .collect()
        };
        assert!(
            config
                .apply_overrides(
                    &pairs("partner=Contoso&accent=#123456&endpoint=x&accommodation=150"),
                    OverrideSource::LaunchLink
                )
                .is_empty()
        );
        let link = config.apply_overrides(
            &pairs("backend_url=https://elsewhere.example/"),
            OverrideSource::LaunchLink,
        );
        assert_eq!(
            config.backend_url, "",
            "a link cannot redirect certificates"
        );
        assert!(link[0].contains("cannot be set by a launch link"));
        let warnings = config.apply_overrides(
            &pairs("partner=Fabrikam&accommodation=900&backend_url=https://lms.example/"),
            OverrideSource::LaunchData,
        );
        assert_eq!(config.backend_url, "https://lms.example/");
        let brand = config.co_brand.as_ref().unwrap();
        assert_eq!(brand.name, "Fabrikam", "the later source wins");
        assert_eq!(brand.logo_url, "acme.svg", "what no source overrides stays");
        assert_eq!(brand.accent_colour, "#123456");
        assert_eq!(config.accommodation_percent, Some(150));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("\"900\""), "{warnings:?}");
        let mut out_of_range: Config =
            serde_json::from_str(r#"{"accommodation_percent":1000}"#).unwrap();
        assert_eq!(out_of_range.check().len(), 1);
        assert_eq!(out_of_range.accommodation_percent, None);
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
