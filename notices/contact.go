package notices

import "time"

// Channel is a way of reaching a contact that has a subscription state.
type Channel string

// The channels with subscriptions. (Print needs no consent.)
const (
	Email Channel = "email"
	SMS   Channel = "sms"
)

// Channels lists the channels with subscriptions, in a fixed order.
var Channels = []Channel{Email, SMS}

// SubscriptionState says whether a contact wants messages on a channel.
type SubscriptionState string

// The subscription states.
const (
	Subscribed   SubscriptionState = "subscribed"
	Unsubscribed SubscriptionState = "unsubscribed"
)

// Contact is one customer as the utility's billing system knows them,
// keyed by account number.
type Contact struct {
	ID             int64
	Account        string
	Name           string
	Email          string // lower-cased domain
	Mobile         string // E.164
	Landline       string // E.164
	PostalAddress  string
	ServiceAddress string
	Zone           string // pressure zone, district or route
	Tags           []string
	Language       string // ISO 639-1 code, "" for the utility's default
	EmailState     SubscriptionState
	SMSState       SubscriptionState
	Attributes     map[string]string // the import's unknown columns, by column name
	CreatedAt      time.Time
	UpdatedAt      time.Time
}
