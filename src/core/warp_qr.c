/*
 * QR codes of a client config (libqrencode): SVG, PNG (libpng) and the
 * terminal (UTF-8 half blocks, like `qrencode -t utf8`).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>

#include "warp.h"

#define QR_BORDER	4	/* modules of quiet zone */
#define QR_PNG_SCALE	6	/* pixels per module */

static QRcode	*warp_qr_encode(const char *, struct warp_err *);
static int	 warp_qr_dark(const QRcode *, int, int);

static QRcode *
warp_qr_encode(const char *text, struct warp_err *err)
{
	QRcode	*qr;

	/* Level L: the largest capacity; phones scan configs at arm's length. */
	qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_L);
	if (qr == NULL) {
		if (errno == ERANGE)
			warp_err_input(err, "the config (%zu bytes) is too large "
			    "for a QR code; download the .conf file instead",
			    strlen(text));
		else
			warp_err_system(err, "QR encoding failed: %s",
			    strerror(errno));
	}
	return (qr);
}

static int
warp_qr_dark(const QRcode *qr, int x, int y)
{
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return (0);
	return (qr->data[y * qr->width + x] & 1);
}

int
warp_qr_svg(const char *text, char **out, struct warp_err *err)
{
	QRcode		*qr;
	struct warp_buf	 b;
	int		 x, y, size;

	if ((qr = warp_qr_encode(text, err)) == NULL)
		return (-1);
	size = qr->width + 2 * QR_BORDER;
	warp_buf_init(&b);
	warp_buf_appendf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" "
	    "d=\"", size, size, size, size);
	for (y = 0; y < qr->width; y++) {
		for (x = 0; x < qr->width; x++) {
			if (!warp_qr_dark(qr, x, y))
				continue;
			/* "M%d %dh1v1h-1z" without printf: a module each. */
			warp_buf_append(&b, "M", 1);
			warp_buf_append_int(&b, x + QR_BORDER);
			warp_buf_append(&b, " ", 1);
			warp_buf_append_int(&b, y + QR_BORDER);
			warp_buf_append(&b, "h1v1h-1z", 8);
		}
	}
	warp_buf_appendf(&b, "\"/></svg>\n");
	QRcode_free(qr);
	*out = warp_buf_release(&b);
	return (0);
}

static void
warp_qr_png_write(png_structp png, png_bytep data, png_size_t len)
{
	struct warp_buf	*b = png_get_io_ptr(png);

	warp_buf_append(b, (const char *)data, len);
}

static void
warp_qr_png_flush(png_structp png)
{
	(void)png;
}

int
warp_qr_png(const char *text, uint8_t **out, size_t *outlen,
    struct warp_err *err)
{
	QRcode		*qr;
	png_structp	 png = NULL;
	png_infop	 info = NULL;
	struct warp_buf	 b;
	uint8_t		*row = NULL;
	int		 x, y, px, size;

	if ((qr = warp_qr_encode(text, err)) == NULL)
		return (-1);
	size = (qr->width + 2 * QR_BORDER) * QR_PNG_SCALE;
	warp_buf_init(&b);
	row = warp_xcalloc((size_t)size, 1);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (png == NULL || (info = png_create_info_struct(png)) == NULL) {
		warp_err_system(err, "libpng failed to initialise");
		goto fail;
	}
	if (setjmp(png_jmpbuf(png))) {
		warp_err_system(err, "PNG encoding failed");
		goto fail;
	}
	png_set_write_fn(png, &b, warp_qr_png_write, warp_qr_png_flush);
	png_set_IHDR(png, info, (png_uint_32)size, (png_uint_32)size, 8,
	    PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < size; y++) {
		for (px = 0; px < size; px++) {
			x = px / QR_PNG_SCALE - QR_BORDER;
			row[px] = warp_qr_dark(qr, x,
			    y / QR_PNG_SCALE - QR_BORDER) ? 0 : 255;
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	QRcode_free(qr);
	*outlen = b.len;
	*out = (uint8_t *)warp_buf_release(&b);
	return (0);
fail:
	if (png != NULL)
		png_destroy_write_struct(&png, info ? &info : NULL);
	free(row);
	warp_buf_free(&b);
	QRcode_free(qr);
	return (-1);
}

/*
 * Two rows of modules per text line.  Light modules are drawn (for dark
 * terminals), as qrencode -t utf8 does.
 */
int
warp_qr_terminal(const char *text, char **out, struct warp_err *err)
{
	QRcode		*qr;
	struct warp_buf	 b;
	int		 x, y, top, bottom;

	if ((qr = warp_qr_encode(text, err)) == NULL)
		return (-1);
	warp_buf_init(&b);
	for (y = -QR_BORDER; y < qr->width + QR_BORDER; y += 2) {
		for (x = -QR_BORDER; x < qr->width + QR_BORDER; x++) {
			top = !warp_qr_dark(qr, x, y);
			bottom = y + 1 < qr->width + QR_BORDER &&
			    !warp_qr_dark(qr, x, y + 1);
			if (top && bottom)
				warp_buf_appendf(&b, "\xe2\x96\x88");	/* █ */
			else if (top)
				warp_buf_appendf(&b, "\xe2\x96\x80");	/* ▀ */
			else if (bottom)
				warp_buf_appendf(&b, "\xe2\x96\x84");	/* ▄ */
			else
				warp_buf_append(&b, " ", 1);
		}
		warp_buf_append(&b, "\n", 1);
	}
	QRcode_free(qr);
	*out = warp_buf_release(&b);
	return (0);
}
