// Package category names the kinds of notice: a template declares one,
// and the store keeps it with each notice and with each customer's email
// choices. It stands apart from package templates so that the store
// (notices) can name a category without importing the renderers.
package category

// Category says what kind of notice a template is.
type Category string

// The categories.
const (
	Emergency   Category = "emergency"
	Service     Category = "service"
	Information Category = "information"
)
