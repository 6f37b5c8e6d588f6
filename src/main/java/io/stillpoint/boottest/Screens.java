package io.stillpoint.boottest;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Draws a simulated guest's screen: its console's lines as bars on a text screen, the last one green when
 * the guest came up and red when it did not. No fonts: a headless server may have none.
 */
final class Screens {

    private static final int WIDTH = 640;
    private static final int HEIGHT = 400;
    private static final int LINE = 16;
    private static final int CHAR = 8;

    private Screens() {}

    static byte[] of(List<String> console, boolean up) throws IOException {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < console.size() && (i + 1) * LINE < HEIGHT; i++) {
            int colour = i < console.size() - 1 ? 0xaaaaaa : up ? 0x55ff55 : 0xff5555;
            int length = Math.min(WIDTH - 2 * CHAR, console.get(i).length() * CHAR);
            for (int y = i * LINE + 4; y < i * LINE + 12; y++) {
                for (int x = CHAR; x < CHAR + length; x++) {
                    // a gap between "characters", so a line reads as text from afar
                    if ((x - CHAR) % CHAR < CHAR - 2) {
                        image.setRGB(x, y, colour);
                    }
                }
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return png.toByteArray();
    }
}
