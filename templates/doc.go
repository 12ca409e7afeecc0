// Package templates parses notice templates (Markdown with a YAML front
// matter), checks them, fills them with field values and renders a filled
// notice into the three things a customer or a lamp post sees: a flyer PDF,
// an email (plain text and HTML alternatives) and an SMS text with its
// encoding and segment count.
//
// One source of content: a template's body is written once in Markdown,
// parsed once per rendering, and walked by the HTML, plain text and PDF
// renderers. Field values are inserted into the Markdown escaped, so a value
// is always text: it never becomes markup, a link or raw HTML.
//
// The package imports nothing else of Crier's but its two leaf packages,
// lang (language codes) and category (the kinds of notice), which the store
// shares with it.
package templates
