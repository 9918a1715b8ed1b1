//! Hash routes: the app's pages as an enum, parsed from and written to `location.hash`.
//!
//! Hash routes keep every URL relative to index.html, so the app works at any base
//! path (an LMS unpacks the package anywhere) and from a static server with no rewrites.
//! A small enum costs far less wasm than a router crate.

/// A page of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The course home: title, description and module list.
    Home,
    /// One module's page.
    Module {
        /// The module identifier from the manifest.
        id: String,
    },
    /// A hash that names no page; keeps the text to show the learner what was asked for.
    NotFound {
        /// The hash as found in the address bar.
        hash: String,
    },
}

impl Route {
    /// Parses `location.hash` (with or without the leading `#`).
    pub fn from_hash(hash: &str) -> Self {
        let path = hash.strip_prefix('#').unwrap_or(hash);
        let path = path.strip_prefix('/').unwrap_or(path);
        let segments: Vec<&str> = path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .collect();
        match segments.as_slice() {
            [] => Self::Home,
            ["modules", id] => Self::Module {
                id: (*id).to_string(),
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
            Self::Module { id } => format!("#/modules/{id}"),
            Self::NotFound { hash } => hash.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn empty_and_root_hashes_are_home() {
        for hash in ["", "#", "#/", "/", "#//"] {
            assert_eq!(Route::from_hash(hash), Route::Home, "{hash:?}");
        }
    }

    #[test]
    fn module_routes_round_trip() {
        let route = Route::Module {
            id: "measuring-carbon".into(),
        };
        assert_eq!(route.href(), "#/modules/measuring-carbon");
        assert_eq!(Route::from_hash(&route.href()), route);
        assert_eq!(Route::from_hash("#/modules/measuring-carbon/"), route);
    }

    #[test]
    fn anything_else_is_not_found_and_keeps_what_was_asked() {
        for hash in ["#/modules", "#/modules/a/b", "#/lessons/x", "#nonsense"] {
            assert_eq!(
                Route::from_hash(hash),
                Route::NotFound { hash: hash.into() },
                "{hash:?}"
            );
        }
    }
}
