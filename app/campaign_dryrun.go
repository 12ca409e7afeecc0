package app

import (
	"context"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// CheckCampaign checks campaign r as AddCampaign does and stores nothing:
// the console's "Check" before saving. The CampaignSaved it returns is the
// campaign as it would be stored (created now), with whom it reaches and
// its next firings; its errors are AddCampaign's.
func (a *App) CheckCampaign(ctx context.Context, r CampaignRequest) (CampaignSaved, error) {
	c, fam, loc, err := a.newCampaign(r)
	if err != nil {
		return CampaignSaved{}, err
	}
	return a.checked(ctx, fam, c, loc)
}

// CheckCampaignEdit checks the change edit to campaign name as
// EditCampaign does and stores nothing; its errors are EditCampaign's.
func (a *App) CheckCampaignEdit(ctx context.Context, name string, edit CampaignEdit) (CampaignSaved, error) {
	c, fam, loc, err := a.editedCampaign(ctx, name, edit)
	if err != nil {
		return CampaignSaved{}, err
	}
	return a.checked(ctx, fam, c, loc)
}

// checked is checkCampaign with the campaign and its next firings.
func (a *App) checked(ctx context.Context, fam *templates.Family, c notices.Campaign, loc *time.Location) (CampaignSaved, error) {
	saved, err := a.checkCampaign(ctx, fam, c, loc)
	if err != nil {
		return saved, err
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = a.now() // being added: the store would date it now
	}
	saved.Campaign = c
	saved.Next = a.firings(c, fam, saved.Schedule, NextFirings)
	return saved, nil
}
