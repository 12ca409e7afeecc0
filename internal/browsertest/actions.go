package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The actions below take CSS selectors and wait for their element, so a
// step can follow a page that is still loading or updating.

// Fill replaces the text of the input or textarea matching sel with text,
// typed key by key as a person types (each key fires the page's input
// events).
func Fill(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(sel)),
		// chromedp.SetValue refuses the empty value: clear it in the page.
		evalVoid(fmt.Sprintf(`document.querySelector(%s).value = ""`, jsString(sel))),
		chromedp.SendKeys(chromedp.CSS(sel), text),
	)
}

// Click clicks the middle of the element matching sel once it is visible.
func Click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel))
}

// Select chooses the option whose value is value in the select matching
// sel, and fires its change event as a person's choice does.
func Select(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(sel)),
		evalVoid(fmt.Sprintf(`(() => { const s = document.querySelector(%s); s.value = %s;
			s.dispatchEvent(new Event('input', {bubbles: true})); s.dispatchEvent(new Event('change', {bubbles: true})); })()`,
			jsString(sel), jsString(value))),
	)
}

// WaitVisible waits until the element matching sel is on the page and
// visible.
func WaitVisible(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(sel))
}

// WaitGone waits until no element matches sel.
func WaitGone(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitNotPresent(chromedp.CSS(sel))
}

// WaitText waits until an element matching sel holds text (its
// textContent contains it), also across a navigation that the previous
// action started: a form's answer, a count updated as one types, a
// progress that reaches done.
func WaitText(sel, text string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%s)).some(e => e.textContent.includes(%s))`, jsString(sel), jsString(text))
	return WaitJS(js)
}

// WaitJS waits until the JavaScript expression js is true on the page.
// It asks again a few times a second, also while a page loads, until the
// step's context ends.
func WaitJS(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		var last error
		for {
			ok, err := chromedp.Evaluate[bool](js)(ctx, t)
			if err == nil && ok {
				return nil
			}
			if err != nil {
				last = err // a page between two documents has no context: ask again
			}
			select {
			case <-ctx.Done():
				if last != nil {
					return fmt.Errorf("waiting for %s: %w (last: %v)", js, ctx.Err(), last)
				}
				return fmt.Errorf("waiting for %s: %w", js, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// Press presses keys on the keyboard, one after the other, where the
// focus is: " " ticks a checkbox, "\r" (kb.Enter) submits a form,
// kb.Tab moves on.
func Press(keys string) chromedp.Action[chromedp.Void] {
	return chromedp.KeyEvent(keys)
}

// TabTo presses Tab until the element matching sel has the keyboard's
// focus, as a person without a mouse reaches it; it fails if the focus
// never gets there.
func TabTo(sel string) chromedp.Action[chromedp.Void] {
	at := fmt.Sprintf(`document.activeElement !== null && document.activeElement.matches(%s)`, jsString(sel))
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for range maxTabs {
			if _, err := chromedp.KeyEvent(kb.Tab)(ctx, t); err != nil {
				return err
			}
			ok, err := chromedp.Evaluate[bool](at)(ctx, t)
			if err != nil || ok {
				return err
			}
		}
		return fmt.Errorf("%d presses of Tab do not reach %s", maxTabs, sel)
	})
}

// evalVoid runs the JavaScript expression js and ignores its value.
func evalVoid(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](js)
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
