package scheduler_test

import (
	"io"
	"os"
	"os/exec"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/testenv"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// TestEmailRateLimit: at 10 emails a second, 100 emails to Mailpit take at
// least 9.5 seconds, and no one second of Mailpit's arrival times holds
// more than 11, while the machine is busy.
func TestEmailRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 10 s")
	}
	const n, rate, burst = 100, 10, 1 // email's burst is 1
	busyMachine(t)
	mp := testenv.Mailpit(t)
	s, lib := newStore(t), library(t)
	importContacts(t, s, "all", n, gen)
	publish(t, s, lib, "hydrant-flushing", "all", notices.Normal, notices.Email)
	d := newDispatcher(t, s, lib, map[notices.Channel]scheduler.Channel{
		notices.Email: {Sender: mailpitSender(t, mp, 4), Concurrency: 4, Rate: rate},
	})
	start := time.Now()
	drain(t, d, 2*time.Minute)
	took := time.Since(start)

	msgs := mp.Messages(t)
	if len(msgs) != n {
		t.Fatalf("Mailpit has %d messages; want %d", len(msgs), n)
	}
	times := make([]time.Time, len(msgs))
	for i, m := range msgs {
		times[i] = m.Created
	}
	slices.SortFunc(times, time.Time.Compare)
	t.Logf("%d emails in %v", n, took.Round(time.Millisecond))
	if want := time.Duration(float64(n-burst) / rate * 0.95 * float64(time.Second)); took < want {
		t.Errorf("%d emails at %d a second took %v; want at least %v", n, rate, took, want)
	}
	if got, at := busiestSecond(times); got > rate+burst {
		t.Errorf("%d emails arrived within one second from %v; the limit is %d a second, burst %d", got, at.Sub(times[0]), rate, burst)
	}
}

// busiestSecond returns the most of times (in order) that fall within
// one second of each other, and when that second begins.
func busiestSecond(times []time.Time) (n int, at time.Time) {
	j := 0
	for i := range times {
		for j < len(times) && times[j].Sub(times[i]) < time.Second {
			j++
		}
		if j-i > n {
			n, at = j-i, times[i]
		}
	}
	return n, at
}

// busyMachine keeps a processor busy until the test ends, with a child
// process spinning as another program on a small machine would: the
// dispatcher's goroutines are then preempted at any point. The child
// stops when its standard input closes, so it ends with the test process
// however that ends.
func busyMachine(t testing.TB) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), spinEnv+"=1")
	alive, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("busy child process: %v", err)
	}
	t.Cleanup(func() {
		alive.Close()
		cmd.Wait()
	})
}

// spinEnv makes the test binary spin instead of testing (see TestMain).
const spinEnv = "CRIER_TEST_SPIN"

func TestMain(m *testing.M) {
	if os.Getenv(spinEnv) != "" {
		spin()
	}
	os.Exit(m.Run())
}

// spin keeps a processor busy until standard input closes.
func spin() {
	var done atomic.Bool
	go func() {
		io.Copy(io.Discard, os.Stdin)
		done.Store(true)
	}()
	for !done.Load() {
	}
	os.Exit(0)
}
