//! `cert submit FILE...`: queue CSRs received out of band, checked like network submissions.

use std::path::Path;

use cert::ca::Submitted;
use cert::certname::Certname;
use cert::error::FileError;
use cert::Error;

use crate::cli::{exit, render, report, Context};

/// Queue each CSR file under the CN it carries.
pub(crate) fn run(context: &Context, files: &[std::path::PathBuf]) -> Result<u8, Error> {
    let ca = context.open()?;
    let mut code = exit::DONE;
    for file in files {
        match submit_one(&ca, file) {
            Ok((name, submission)) => {
                for invalid in &submission.decision.invalid {
                    eprintln!("warning: {invalid}");
                }
                println!(
                    "Queued certificate request for {name} from {}",
                    file.display()
                );
                match submission.signed {
                    Some(Ok(cert)) => {
                        println!(
                            "Autosigned {name} (serial {}): {}",
                            cert.serial.map(|s| s.to_string()).unwrap_or_default(),
                            submission.decision
                        );
                        if let Some(warning) = ca.lifetime_warning(&cert) {
                            eprintln!("warning: {warning}");
                        }
                    }
                    Some(Err(error)) => {
                        println!(
                            "Autosign would sign {name}, but the CA refused; it stays pending"
                        );
                        report(&error);
                        code = exit::FAILED;
                    }
                    None => println!("{name} is pending: {}", submission.decision),
                }
                print!("{}", render::program_output(&submission.decision.reason));
            }
            Err(error) => {
                report(&error);
                code = exit::FAILED;
            }
        }
    }
    Ok(code)
}

fn submit_one(ca: &cert::ca::Ca, file: &Path) -> Result<(Certname, Submitted), Error> {
    let pem = std::fs::read(file).map_err(|e| FileError::io("read", file, e))?;
    ca.submit_by_common_name(&pem, crate::cli::now())
}
