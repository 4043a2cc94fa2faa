//! `one_tm_dummy` as a real process.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is the test's failure

use testkit::driver::Driver;

const TM: &str = env!("CARGO_BIN_EXE_one_tm_dummy");

#[test]
fn transfer_reads_the_file_and_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("transfer.0.prolog");
    std::fs::write(
        &file,
        "CLONE dummy fe:/var/lib/one/datastores/1/abc node1:/var/lib/one/datastores/0/42/disk.0 42 1\n",
    )
    .unwrap();
    let mut d = Driver::start(TM, "-t 15");
    d.init();
    assert_eq!(d.call("TRANSFER", 42, &file.display().to_string()), "TRANSFER SUCCESS 42 -");
}

#[test]
fn missing_transfer_file_fails() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("transfer.1.epilog");
    let mut d = Driver::start(TM, "");
    d.init();
    assert_eq!(
        d.call("TRANSFER", 42, &missing.display().to_string()),
        format!("TRANSFER FAILURE 42 transfer file {} not found", missing.display())
    );
    assert_eq!(d.call("TRANSFER", 42, ""), "TRANSFER FAILURE 42 TRANSFER without a transfer file");
    assert_eq!(d.call("DEPLOY", 42, ""), "DEPLOY FAILURE 42 Action not implemented by driver one_tm_dummy");
}

#[test]
fn transfer_with_delay_can_be_cancelled() {
    let mut d = Driver::start(TM, "--delay 10000");
    d.init();
    d.send("TRANSFER  5 /nonexistent\n");
    std::thread::sleep(std::time::Duration::from_millis(100));
    d.send("DRIVER_CANCEL  5 \n");
    assert_eq!(d.line(), "TRANSFER FAILURE 5 cancelled");
    d.send("FINALIZE\n");
    assert_eq!(d.wait_exit().code(), Some(0));
}
