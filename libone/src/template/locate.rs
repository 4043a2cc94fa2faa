//! Byte offsets to human positions (1-based line and column, columns counted in characters).

use super::Position;

/// Turns byte offsets of one text into [`Position`]s.
///
/// Offsets asked in increasing order cost, together, one pass over the text (the text parser
/// asks for every attribute's position); asking for an earlier offset starts again from the top.
pub(crate) struct Locator<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
    column: usize,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Locator { text: text.as_bytes(), offset: 0, line: 1, column: 1 }
    }

    /// The position of the character that starts at (or contains) byte `offset`; offsets past
    /// the end give the position just after the last character.
    pub(crate) fn position(&mut self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            *self = Locator { text: self.text, offset: 0, line: 1, column: 1 };
        }
        for &byte in &self.text[self.offset..offset] {
            if byte == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if !is_utf8_continuation(byte) {
                self.column += 1;
            }
        }
        self.offset = offset;
        Position { line: self.line, column: self.column }
    }
}

/// The position of byte `offset` in `text` (one-off lookup, for error messages).
pub(crate) fn position_of(text: &str, offset: usize) -> Position {
    Locator::new(text).position(offset)
}

fn is_utf8_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn counts_lines_and_characters() {
        let text = "ab\ncé d\n\nx";
        let mut l = Locator::new(text);
        assert_eq!(l.position(0), pos(1, 1));
        assert_eq!(l.position(2), pos(1, 3));
        assert_eq!(l.position(3), pos(2, 1));
        // "é" is two bytes but one column.
        assert_eq!(l.position(text.find('d').unwrap()), pos(2, 4));
        assert_eq!(l.position(text.find('x').unwrap()), pos(4, 1));
        assert_eq!(l.position(text.len() + 10), pos(4, 2));
    }

    #[test]
    fn going_back_restarts() {
        let text = "a\nb\nc";
        let mut l = Locator::new(text);
        assert_eq!(l.position(4), pos(3, 1));
        assert_eq!(l.position(2), pos(2, 1));
        assert_eq!(position_of(text, 1), pos(1, 2));
    }
}
