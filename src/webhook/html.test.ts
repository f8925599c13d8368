import { describe, expect, it } from 'vitest';
import { htmlToText } from './html.js';

describe('htmlToText', () => {
  it.each([
    ['plain text is only collapsed', '  Your balance\n\tis  $5.  ', 'Your balance is $5.'],
    ['plain text keeps what looks like entities or comparisons', 'AT&amp;T a < b <3', 'AT&amp;T a < b <3'],
    ['empty stays empty', '', ''],
    ['white space only is empty', ' \n\t ', ''],
    [
      'a full page: head, title, scripts and styles dropped',
      '<!DOCTYPE html><html><head><title>Acct</title><style>p{color:red}</style><script>var a = 1 < 2;</script></head>' +
        '<body><h1>Hello Bill</h1><p>Your balance is &euro;5&nbsp;&amp; your   next\npayment is due <b>Friday</b>.</p></body></html>',
      'Hello Bill Your balance is €5 & your next payment is due Friday.',
    ],
    ['links lose their URL', 'Call <a href="https://example.com/x">our office</a> now', 'Call our office now'],
    ['headings are not upper-cased', '<h2>Good news</h2>', 'Good news'],
    ['tables read cell by cell', '<table><tr><th>Due</th><th>Amount</th></tr><tr><td>Friday</td><td>5</td></tr></table>', 'Due Amount Friday 5'],
    ['lists without bullets', '<ul><li>one</li><li>two</li></ul>', 'one two'],
    ['images and scripts in a fragment are dropped', 'Hi<img src="x.png" alt="logo"><script>alert(1)</script> there', 'Hi there'],
    ['numeric entities', '<p>caf&#233; &#x2014; ok</p>', 'café — ok'],
    ['no wrapping of long text', `<p>${'word '.repeat(60)}</p>`, 'word '.repeat(60).trim()],
  ])('%s', (_what, body, expected) => {
    expect(htmlToText(body)).toBe(expected);
  });
});
