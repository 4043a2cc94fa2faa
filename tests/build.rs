//! Only for the tests: compiles the tests that need sshd (`ssh_oned`) as ignored (cfg
//! `nephele_missing_sshd`) when sshd is missing and `NEPHELE_ALLOW_MISSING=sshd` allows it, so
//! they are reported as ignored, never as passed (`testkit::components`). The helper library
//! does not use the cfg.

fn main() {
    testkit::components::build_script(testkit::components::ALL);
}
