//! The `autosign` setting as a type: [`Autosign`], parsed once from its text.
//!
//! Owns telling `true`, `false`, an `autosign.conf` path and a policy-program path apart (a path
//! to an executable regular file is a program), and dropping Puppet's `{ mode = 664 }` metadata
//! suffix. It does not check that a path is absolute (puppet.conf resolution does, in
//! [`crate::settings`]), read the file or run the program (see the sibling modules `rules` and
//! `program`), nor pick the default `$confdir/autosign.conf`.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// Parsed `autosign` setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Autosign {
    /// `false`: every request stays pending.
    Disabled,
    /// `true`: every request is signed.
    Everything,
    /// A path that is not an executable file: an `autosign.conf` list, which may be missing.
    File(PathBuf),
    /// An executable file: a policy program deciding each request.
    Program(PathBuf),
}

impl Autosign {
    /// From the raw setting value: `true`, `false`, or a path, optionally followed by Puppet's
    /// metadata suffix (`{ mode = 664 }`), which is ignored. A path to an executable regular
    /// file (any execute bit set) at the time of the call is a [`Autosign::Program`]; any
    /// other path, including a missing one, is a [`Autosign::File`]. An empty value is
    /// [`Autosign::Disabled`].
    pub fn from_setting(value: &str) -> Autosign {
        match strip_metadata(value) {
            "" | "false" => Autosign::Disabled,
            "true" => Autosign::Everything,
            path => {
                let path = PathBuf::from(path);
                let executable = std::fs::metadata(&path)
                    .map(|metadata| {
                        metadata.is_file() && metadata.permissions().mode() & 0o111 != 0
                    })
                    .unwrap_or(false);
                if executable {
                    Autosign::Program(path)
                } else {
                    Autosign::File(path)
                }
            }
        }
    }
}

/// The value without surrounding whitespace and without a trailing `{ ... }` metadata block.
fn strip_metadata(value: &str) -> &str {
    let value = value.trim();
    match value.rfind('{') {
        Some(brace) if value.ends_with('}') => value[..brace].trim_end(),
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_values() {
        assert_eq!(Autosign::from_setting("true"), Autosign::Everything);
        assert_eq!(Autosign::from_setting(" false "), Autosign::Disabled);
        assert_eq!(Autosign::from_setting(""), Autosign::Disabled);
        let expected = Autosign::File(PathBuf::from("/nonexistent/autosign.conf"));
        assert_eq!(
            Autosign::from_setting("/nonexistent/autosign.conf { mode = 664 }"),
            expected
        );
        assert_eq!(
            Autosign::from_setting("/nonexistent/autosign.conf {mode=664}"),
            expected
        );
    }
}
