package fake

import (
	"github.com/sailkit/accessrequests/gen"
)

// Identity is an identity the tenant knows: AddIdentity stores it. Its accounts are what the
// successor's accounts selection answers, and what a machine identity's account selection
// must pick from. Identities the tenant does not know are accepted anywhere an identity id is,
// as people with no accounts.
type Identity struct {
	// ID is the identity's id.
	ID string
	// Name is its display name, shown in the statuses of its requests and in account selections.
	Name string
	// Machine is true for a machine identity: the successor then requires it to be named with
	// identityType MACHINE, and the beta does not know it as such.
	Machine bool
	// Accounts are its accounts, on one source or several.
	Accounts []Account
}

// Account is an identity's account on a source.
type Account struct {
	// SourceID and SourceName name the account's source.
	SourceID, SourceName string
	// ID is the account's id; Name its display name.
	ID, Name string
	// NativeIdentity is the account's identity on its source (a DN, a user name ...), the value
	// an account selection and a revoke name it by.
	NativeIdentity string
	// UUID is the account's UUID on its source, if it has one.
	UUID string
}

// AddIdentity stores an identity (replacing one with the same id).
func (s *Server) AddIdentity(id Identity) {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	s.state.identities[id.ID] = id
}

func (t *tenant) identityNameLocked(id string) string {
	if known, ok := t.identities[id]; ok && known.Name != "" {
		return known.Name
	}
	return "Identity " + short(id)
}

// findAccountLocked finds the identity's account a selection names on a source, by native
// identity or UUID.
func (t *tenant) findAccountLocked(identity string, sourceID string, ref gen.AccountRef) (Account, bool) {
	for _, a := range t.identities[identity].Accounts {
		if a.SourceID != sourceID {
			continue
		}
		if (ref.NativeIdentity != "" && a.NativeIdentity == ref.NativeIdentity) || (ref.AccountUUID != "" && a.UUID == ref.AccountUUID) {
			return a, true
		}
	}
	return Account{}, false
}

// checkAccountsLocked refuses a selection of accounts the identity does not have, when the
// tenant knows its accounts.
func (t *tenant) checkAccountsLocked(identity string, sel []gen.AccountSelection) error {
	if len(t.identities[identity].Accounts) == 0 {
		return nil
	}
	for _, src := range sel {
		for _, ref := range src.Accounts {
			if _, ok := t.findAccountLocked(identity, src.SourceID, ref); !ok {
				return badRequest("account %q on source %s is not one of identity %s's accounts", ref.NativeIdentity+ref.AccountUUID, src.SourceID, identity)
			}
		}
	}
	return nil
}

// requestedAccountsLocked is what a status says of the accounts a request selected.
func (t *tenant) requestedAccountsLocked(identity string, sel []gen.AccountSelection) []gen.RequestedAccountRef {
	var out []gen.RequestedAccountRef
	for _, src := range sel {
		for _, ref := range src.Accounts {
			acc, _ := t.findAccountLocked(identity, src.SourceID, ref)
			out = append(out, gen.RequestedAccountRef{
				Type: gen.ObjectTypeAccount, AccountID: ref.NativeIdentity, AccountUUID: ref.AccountUUID,
				Name: acc.Name, SourceName: acc.SourceName,
			})
		}
	}
	return out
}

// accountChoicesLocked answers an accounts selection: for each identity and item, the
// identity's accounts grouped by source (every item may land on any of the identity's
// sources). A choice is required for a machine identity (the vendor requires an account
// selection for its grants) and for anyone with two accounts or more on one source.
func (t *tenant) accountChoicesLocked(r *request) gen.AccountChoices {
	out := gen.AccountChoices{Identities: []gen.IdentityAccountChoices{}}
	for _, identity := range r.order {
		known := t.identities[identity]
		kind := gen.ObjectTypeIdentity
		if r.machine[identity] {
			kind = gen.ObjectTypeMachineIdentity
		}
		sources, required := groupBySource(known.Accounts)
		choice := gen.IdentityAccountChoices{
			ID: identity, Name: t.identityNameLocked(identity), ObjectType: kind,
			AccountsSelectionRequired: required || r.machine[identity],
			RequestedItems:            []gen.ItemAccountChoices{},
		}
		for _, it := range r.items[identity] {
			choice.RequestedItems = append(choice.RequestedItems, gen.ItemAccountChoices{
				ID: it.id, Type: gen.ItemType(it.typ), Name: displayName(it.typ, it.id), Sources: sources,
			})
		}
		out.Identities = append(out.Identities, choice)
	}
	return out
}

// groupBySource lists accounts per source, sources in the order first met, and says whether
// some source holds more than one of them.
func groupBySource(accounts []Account) ([]gen.SourceAccountChoices, bool) {
	sources := []gen.SourceAccountChoices{}
	at := map[string]int{}
	several := false
	for _, a := range accounts {
		i, ok := at[a.SourceID]
		if !ok {
			i = len(sources)
			at[a.SourceID] = i
			sources = append(sources, gen.SourceAccountChoices{ID: a.SourceID, Name: a.SourceName, ObjectType: gen.ObjectTypeSource})
		}
		sources[i].Accounts = append(sources[i].Accounts, gen.SelectableAccount{
			ID: a.ID, Name: a.Name, NativeIdentity: a.NativeIdentity, UUID: a.UUID, ObjectType: gen.ObjectTypeAccount,
		})
		several = several || len(sources[i].Accounts) > 1
	}
	return sources, several
}
