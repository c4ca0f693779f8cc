//! The one error type of the ACL crate: unreadable or malformed resource files, unknown resource
//! ids, refused access, and storage failures.

use std::io;
use std::path::PathBuf;

use gatehouse_domain::{ErrorClass, Message, StorageError};

use crate::check::unauthorized_message;

/// What the ACL can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AclError {
    /// An ACL file could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read acl file {}", path.display())]
    Read {
        /// The file as the caller named it.
        path: PathBuf,
        /// Why reading failed.
        #[source]
        source: io::Error,
    },
    /// An ACL file is not well-formed XML or does not follow the `acl.xml` layout.
    #[error("{file}:{line}: {reason}")]
    Invalid {
        /// The file (or source name) the text came from.
        file: String,
        /// The 1-based line where the problem starts.
        line: usize,
        /// What is wrong, in lowercase words.
        reason: String,
    },
    /// Resource ids that the tree does not know were given to a grant.
    #[error("unknown acl resources: {}", ids.join(", "))]
    UnknownResources {
        /// The unknown ids, in the order they were given, each once.
        ids: Vec<String>,
    },
    /// The caller is not allowed to use these resources.
    #[error("access denied to {}", resources.join(", "))]
    Denied {
        /// Every resource the refused operation requires.
        resources: Vec<String>,
    },
    /// Reading or writing grants failed.
    #[error("acl storage failed")]
    Storage(#[from] StorageError),
}

impl AclError {
    /// How the adapter should answer.
    ///
    /// File errors happen while the server is configured, so they are the server's fault.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Read { .. } | Self::Invalid { .. } => ErrorClass::Internal,
            Self::UnknownResources { .. } => ErrorClass::Input,
            Self::Denied { .. } => ErrorClass::Authorization,
            Self::Storage(error) => error.class(),
        }
    }

    /// The message a client sees.
    ///
    /// File errors are plain text (no placeholders); storage failures get a generic message,
    /// their cause being for the log.
    pub fn message(&self) -> Message {
        match self {
            Self::Read { .. } | Self::Invalid { .. } => Message::new(self.to_string()),
            Self::UnknownResources { ids } => {
                Message::new("The ACL resources %resources don't exist.")
                    .with("resources", ids.join(", "))
            }
            Self::Denied { resources } => {
                let resources: Vec<&str> = resources.iter().map(String::as_str).collect();
                unauthorized_message(&resources)
            }
            Self::Storage(StorageError::Unavailable(_)) => {
                Message::new("The service is temporarily unavailable. Try again later.")
            }
            Self::Storage(_) => Message::new("Internal error. The server log has the details."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_messages() {
        let unknown = AclError::UnknownResources {
            ids: vec!["Vendor_Module::a".into(), "Vendor_Module::b".into()],
        };
        assert_eq!(unknown.class(), ErrorClass::Input);
        assert_eq!(
            unknown.message().render(),
            "The ACL resources Vendor_Module::a, Vendor_Module::b don't exist."
        );

        let denied = AclError::Denied {
            resources: vec!["Magento_Integration::integrations".into()],
        };
        assert_eq!(denied.class(), ErrorClass::Authorization);
        assert_eq!(
            denied.message().template,
            "The consumer isn't authorized to access %resources."
        );

        let invalid = AclError::Invalid {
            file: "acl.xml".into(),
            line: 4,
            reason: "resource has no id attribute".into(),
        };
        assert_eq!(invalid.class(), ErrorClass::Internal);
        assert_eq!(
            invalid.message().render(),
            "acl.xml:4: resource has no id attribute"
        );
        assert!(invalid.message().parameters.is_empty());

        let down = AclError::from(StorageError::Unavailable("pool exhausted".into()));
        assert_eq!(down.class(), ErrorClass::Unavailable);
        assert!(down.message().render().contains("temporarily unavailable"));
        assert!(std::error::Error::source(&down).is_some());
    }
}
