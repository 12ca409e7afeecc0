package email_test

import (
	"context"
	"fmt"
	"os"
	"time"

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

	// The message as bytes (templates' Rendering.Email makes them): the
	// pieces go out one after another.
	header := "From: <notices@water.example>\r\n" +
		"To: \"Ann Lee\" <ann@example.com>\r\n" +
		"Subject: Boil water advisory\r\n" +
		"Message-ID: <crier-7-42@water.example>\r\n" +
		"List-Unsubscribe: <https://water.example/u/TOKEN>\r\n" +
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=UTF-8\r\n\r\n"
	body := "Boil your water before drinking it.\r\n"
	m := &channels.Email{
		From:      "notices@water.example",
		To:        []string{"ann@example.com"},
		MessageID: "crier-7-42@water.example",
		Data:      [][]byte{[]byte(header), []byte(body)},
	}

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
