package main

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sailkit/accessrequests/facade"
)

// Hooks turns each facade operation into a span, with one event per HTTP attempt.
func Hooks(tracer trace.Tracer) facade.Hooks {
	return facade.Hooks{
		OperationStart: func(ctx context.Context, op string) context.Context {
			ctx, _ = tracer.Start(ctx, "accessrequests."+op, trace.WithSpanKind(trace.SpanKindClient))
			return ctx
		},
		Attempt: func(ctx context.Context, a facade.Attempt) {
			attrs := []attribute.KeyValue{
				attribute.Int("attempt", a.Number),
				attribute.String("http.request.method", a.Method),
				attribute.Int64("duration_ms", a.Duration.Milliseconds()),
			}
			if a.Status != 0 {
				attrs = append(attrs, attribute.Int("http.response.status_code", a.Status))
			}
			if a.Retry != facade.RetryNone {
				attrs = append(attrs, attribute.String("retry.reason", string(a.Retry)))
			}
			if a.Err != nil {
				attrs = append(attrs, attribute.String("error", a.Err.Error()))
			}
			trace.SpanFromContext(ctx).AddEvent("attempt", trace.WithAttributes(attrs...))
		},
		OperationDone: func(ctx context.Context, op facade.Operation) {
			span := trace.SpanFromContext(ctx)
			span.SetAttributes(
				attribute.Int("attempts", op.Attempts),
				attribute.String("outcome", string(op.Outcome)),
			)
			if op.Status != 0 {
				span.SetAttributes(attribute.Int("http.response.status_code", op.Status))
			}
			if op.Deprecated { // the server answered X-Deprecated: true
				span.SetAttributes(attribute.Bool("deprecated", true))
			}
			if op.Err != nil {
				span.SetStatus(codes.Error, http.StatusText(op.Status))
				span.RecordError(op.Err)
			}
			span.End()
		},
	}
}
