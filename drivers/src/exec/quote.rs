//! POSIX shell quoting for the command lines sent over SSH.
//!
//! sshd always hands the command to the user's shell (`$SHELL -c <line>`), so an argv must be
//! turned into one line that this shell splits back into exactly the same words. Every word is
//! wrapped in single quotes, inside which a POSIX shell interprets nothing; a single quote in
//! the word ends the quoting, is written escaped (`\'`) and the quoting starts again: `'\''`.
//! This is the only place such a line is built.

/// One word, single-quoted: `it's` → `'it'\''s'`. The empty word is `''`.
pub fn sh_quote(word: &str) -> String {
    let mut quoted = String::with_capacity(word.len() + 2);
    quoted.push('\'');
    for c in word.chars() {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    quoted
}

/// A whole argv as one shell command line: every word quoted, separated by one space.
pub fn sh_join<I, S>(words: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut line = String::new();
    for word in words {
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&sh_quote(word.as_ref()));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    const NASTY: &[&str] = &[
        "",
        " ",
        "plain",
        "two words",
        "it's",
        "''",
        "'",
        "\\'",
        "$(touch /tmp/nephele-quote-pwned)",
        "`touch /tmp/nephele-quote-pwned`",
        "${HOME}",
        "$HOME",
        "a\nb",
        "trailing newline\n",
        "\n",
        "tab\there",
        "*",
        "?",
        "[a-z]",
        "~",
        "~root",
        "-n",
        "--",
        "a;b",
        "a&&b",
        "a|b",
        "a>b",
        "<a",
        "\"double\"",
        "back\\slash\\",
        "!",
        "#comment",
        "é ünïcødé ✓",
        "x'$(id)'`id`\"$HOME\"\\",
    ];

    #[test]
    fn simple_cases() {
        assert_eq!(sh_quote(""), "''");
        assert_eq!(sh_quote("abc"), "'abc'");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(sh_join(["a b", "c"]), "'a b' 'c'");
        assert_eq!(sh_join(Vec::<String>::new()), "");
    }

    /// Every nasty word goes through a real `sh -c` and comes back byte for byte, one word per
    /// argument; nothing is executed.
    #[test]
    fn round_trip_through_a_real_shell() {
        let mut line = String::from("for a in ");
        line.push_str(&sh_join(NASTY));
        // print each word followed by a NUL, so words holding newlines stay distinguishable
        line.push_str("; do printf '%s\\0' \"$a\"; done");
        let output = Command::new("sh").arg("-c").arg(&line).output().expect("sh runs");
        assert!(output.status.success(), "sh failed: {}", String::from_utf8_lossy(&output.stderr));
        let mut words: Vec<&[u8]> = output.stdout.split(|b| *b == 0).collect();
        assert_eq!(words.pop(), Some(&b""[..]), "output ends with a NUL");
        let expected: Vec<&[u8]> = NASTY.iter().map(|w| w.as_bytes()).collect();
        assert_eq!(words, expected);
    }

    /// The same through `sh -c 'exec prog "$@"'`-free form: the joined line as a command's
    /// argv, the way sshd runs it (program name first).
    #[test]
    fn joined_line_is_an_argv() {
        let mut argv = vec!["printf", "%s\\0"];
        argv.extend_from_slice(NASTY);
        let line = sh_join(&argv);
        let output = Command::new("sh").arg("-c").arg(&line).output().expect("sh runs");
        assert!(output.status.success());
        let mut words: Vec<&[u8]> = output.stdout.split(|b| *b == 0).collect();
        words.pop();
        let expected: Vec<&[u8]> = NASTY.iter().map(|w| w.as_bytes()).collect();
        assert_eq!(words, expected);
    }
}
