package parser

import (
	"errors"

	"github.com/genevasql/genevasql/sqlerr"
)

func asSQLErr(err error, target **sqlerr.Error) bool { return errors.As(err, target) }
