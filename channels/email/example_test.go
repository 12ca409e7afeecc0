package email_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/email"
)

// A Sender is made once from the [smtp] settings and shared by the
// dispatcher's workers; the caller builds each recipient's message.
func Example() {
	s, err := email.New(email.Config{
		Host:        "smtp.example.org",
		Port:        587,
		TLS:         "mandatory",
		Username:    "notices@water.example",
		Password:    os.Getenv("CRIER_SMTP_PASSWORD"),
		Connections: 4,
		Timeout:     30 * time.Second,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	m := mail.NewMsg()
	m.From("notices@water.example")
	m.AddToFormat("Ann Lee", "ann@example.com")
	m.Subject("Boil water advisory")
	m.SetGenHeader("List-Unsubscribe", "<https://water.example/u/TOKEN>")
	m.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	m.SetBodyString(mail.TypeTextPlain, "Boil your water before drinking it.")

	r, err := s.Send(context.Background(), channels.Message{ID: "42", To: "ann@example.com", Email: m})
	switch {
	case channels.IsBroken(err):
		fmt.Println("pause the email channel:", err)
	case channels.IsPermanent(err):
		fmt.Println("failed for good:", err)
	case err != nil:
		fmt.Println("retry later:", err)
	default:
		fmt.Println("accepted as", r.ProviderID)
	}
}
